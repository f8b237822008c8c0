"""The enumerations of the contract, in their documented order.

Each is a Literal type (for the TypedDicts in contract.py) and a tuple of its values (for the checks),
the tuple read from the Literal so that the two cannot drift apart.
"""
from typing import Literal, get_args

PersonaId = Literal["student", "parent", "developer"]
LocationType = Literal["rent", "buy"]
Size = Literal["room", "studio", "1bed", "2bed", "3bed", "4plus"]
Factor = Literal["affordability", "commute", "safety", "schools", "transport", "greenSpace", "priceGrowth"]
JobStatus = Literal["PENDING", "READY", "FAILED"]
ExplanationSource = Literal["LLM", "TEMPLATE"]

PERSONA_IDS: tuple[PersonaId, ...] = get_args(PersonaId)
LOCATION_TYPES: tuple[LocationType, ...] = get_args(LocationType)
SIZES: tuple[Size, ...] = get_args(Size)
FACTORS: tuple[Factor, ...] = get_args(Factor)
