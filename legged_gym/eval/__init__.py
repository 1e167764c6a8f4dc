"""Evaluation of trained policies: periodic from-frame-0 tracking checks during training (``periodic``)."""
