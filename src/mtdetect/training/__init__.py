"""Training: data format and splits, training pairs and their generators (`rewrite/`), corpora readers,
alignment, metrics, fine-tuning and fitting the model bundle.
"""
