"""The synthetic-region model (合成区域): a pure, seeded model of a Chinese city of
tiered care, from its administrative divisions and facilities down to residents,
their care and the records facilities keep of them. Files are written elsewhere
(tiercare.synth); everything here is deterministic in the seed and the parameters.
"""
