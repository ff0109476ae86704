"""Embedding lookup (torch.nn.functional.embedding) as an ascendpy kernel."""
