"""The enumerations of the contract, in their documented order."""

PERSONA_IDS = ("student", "parent", "developer")
LOCATION_TYPES = ("rent", "buy")
SIZES = ("room", "studio", "1bed", "2bed", "3bed", "4plus")
FACTORS = ("affordability", "commute", "safety", "schools", "transport", "greenSpace", "priceGrowth")
