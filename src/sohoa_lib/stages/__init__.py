"""One recipe per stage (inventory, digitize, sign, stats, national): each calls capabilities; no capability imports a stage."""
