"""What a team needs to see: SLA clocks that act, spike and crisis alerts,
reports with charts, and the brand's advocates."""
