"""Records as archivists keep them: inventory sheets read and parsed, coded metadata values, the unit registry, cost norms. Imports common only."""
