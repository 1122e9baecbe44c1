"""Running several `rejoinder run` processes on one PostgreSQL and one Redis:
who this process is, source leases, heartbeats, dead letters and status."""
