"""Synthetic MASH agency extracts (police, social care, health) with ground truth.

Real MASH data can never leave an agency, so this generator is how the linker is
tested and benchmarked. See :func:`generate_extracts`.
"""

from synth.generate import GenerateSummary, generate_extracts
from synth.rates import PROFILES, AgencyErrorRates, ErrorRates

__all__ = ["PROFILES", "AgencyErrorRates", "ErrorRates", "GenerateSummary", "generate_extracts"]
