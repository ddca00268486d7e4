"""Synthetic data through LLM APIs: templates, a request ledger, a budget and the ratio guard."""
