"""Reports: figures aggregated in SQL, drawn as charts, written as HTML and CSV."""
