"""Check a job offer: DOL's public H-2A/H-2B disclosure data and debarment lists, imported and looked up."""
