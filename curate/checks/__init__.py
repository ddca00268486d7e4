"""The quality checklist: record and dataset checks configured by a rubric (`curate validate`)."""
