"""Scenarios: what a scenario file may say (``schema``), reading one with ``extends:``
(``files``), and the one clear message a bad file gets (``errors``, a leaf every layer may
import). Import from the submodules; this package imports nothing, so ``errors`` stays a leaf.
"""
