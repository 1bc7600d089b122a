"""Inference: text -> features and encoder columns -> calibrated head -> evidence; model bundles on disk.

Nothing here imports `mtdetect.training`: scoring never loads training code.
"""
