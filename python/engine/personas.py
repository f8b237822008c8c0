"""The three personas and their default weights (each set sums to 1)."""
from engine.contract import Persona
from engine.enums import PersonaId

PERSONAS: dict[PersonaId, Persona] = {
    "student": {
        "id": "student",
        "name": "Student",
        "description": "Renting a room on a tight budget: cheap rent and a short commute come first.",
        "defaultSize": "room",
        "defaultLocationType": "rent",
        "weights": {"affordability": 0.35, "commute": 0.25, "safety": 0.15, "schools": 0.0,
                    "transport": 0.15, "greenSpace": 0.10, "priceGrowth": 0.0},
    },
    "parent": {
        "id": "parent",
        "name": "Parent",
        "description": "Renting a family home: schools, safety and green space weigh as much as the rent.",
        "defaultSize": "3bed",
        "defaultLocationType": "rent",
        "weights": {"affordability": 0.25, "commute": 0.10, "safety": 0.20, "schools": 0.25,
                    "transport": 0.05, "greenSpace": 0.15, "priceGrowth": 0.0},
    },
    "developer": {
        "id": "developer",
        "name": "Property developer",
        "description": "Buying to develop or let: price growth and entry price lead, transport access follows.",
        "defaultSize": "1bed",
        "defaultLocationType": "buy",
        "weights": {"affordability": 0.25, "commute": 0.10, "safety": 0.05, "schools": 0.0,
                    "transport": 0.20, "greenSpace": 0.05, "priceGrowth": 0.35},
    },
}
