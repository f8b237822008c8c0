"""The handlers on the real data, called in-process as both adapters call them."""
import csv
import math
import os
import unittest

from engine import data, explanations, handlers
from engine.enums import FACTORS, SIZES
from tests.support import DATA_DIR

CAMDEN, CITY, BROMLEY, WESTMINSTER = "E09000007", "E09000001", "E09000006", "E09000033"


def boroughs_csv():
    with open(os.path.join(DATA_DIR, "boroughs.csv"), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class HandlersTest(unittest.TestCase):
    def test_every_answer_carries_versions(self):
        for (method, path), handler in handlers.routes(explanations.JobStore()).items():
            if path.startswith("/explanations"):
                continue
            body = {"codes": [CAMDEN]} if path in ("/crime", "/schools") else {}
            if path == "/commute":
                body = {"pairs": []}
            if path == "/recommend":
                body = {"persona": "student", "budget": 900, "locationType": "rent"}
            answer = handler(body)
            self.assertEqual(answer["version"], "1.0.0", path)
            self.assertEqual(answer["dataVersion"], data.DATA_VERSION, path)

    def test_health(self):
        answer = handlers.health({})
        self.assertEqual((answer["status"], answer["areas"], answer["stations"]), ("ok", 33, 302))

    def test_personas_have_seven_weights_summing_to_one(self):
        personas = handlers.personas({})["personas"]
        self.assertEqual([p["id"] for p in personas], ["student", "parent", "developer"])
        for p in personas:
            self.assertEqual(set(p["weights"]), set(FACTORS))
            self.assertAlmostEqual(sum(p["weights"].values()), 1.0)
        by_id = {p["id"]: p for p in personas}
        self.assertEqual((by_id["student"]["defaultSize"], by_id["student"]["defaultLocationType"]), ("room", "rent"))
        self.assertEqual((by_id["parent"]["defaultSize"], by_id["parent"]["weights"]["schools"]), ("3bed", 0.25))
        self.assertEqual((by_id["developer"]["defaultLocationType"], by_id["developer"]["weights"]["priceGrowth"]),
                         ("buy", 0.35))

    def test_areas_without_codes_answers_every_area_by_code(self):
        areas = handlers.area_list({})["areas"]
        self.assertEqual([a["code"] for a in areas], data.AREA_CODES)
        for a in areas:
            self.assertEqual([r["size"] for r in a["housing"]["rents"]], list(SIZES))
        self.assertEqual(handlers.area_list({"codes": None})["areas"], areas)

    def test_areas_index_aligned_with_null_for_unknown(self):
        answer = handlers.area_list({"codes": ["nope", CAMDEN, "nope"]})["areas"]
        self.assertIsNone(answer[0])
        self.assertIsNone(answer[2])
        camden = answer[1]
        row = next(r for r in boroughs_csv() if r["code"] == CAMDEN)
        self.assertEqual(camden["name"], "Camden")
        self.assertEqual(camden["population"], int(row["population_2017"]))
        self.assertEqual(camden["transport"]["ptal"], float(row["ptal_avg_2014"]))
        self.assertEqual(camden["housing"]["rents"][0]["median"], 845)
        self.assertAlmostEqual(camden["housing"]["ownedPct"],
                               float(row["owned_outright_pct_2014"]) + float(row["owned_mortgage_pct_2014"]))
        names = [s["name"] for s in camden["transport"]["stations"]]
        self.assertEqual(names, sorted(names))
        self.assertEqual(camden["transport"]["stationCount"], len(names))

    def test_missing_figures_stay_null(self):
        city = handlers.area_list({"codes": [CITY]})["areas"][0]
        room = city["housing"]["rents"][0]
        self.assertEqual((room["size"], room["median"], room["count"]), ("room", None, 0))
        self.assertIsNone(city["housing"]["ownedPct"])
        self.assertIsNone(city["housing"]["privateRentPct"])
        crime = handlers.crime({"codes": [CITY]})["crime"][0]
        self.assertIsNone(crime["ratePer1000"])
        self.assertIsNone(crime["rank"])

    def test_borough_without_station(self):
        bromley = handlers.area_list({"codes": [BROMLEY]})["areas"][0]["transport"]
        self.assertEqual(bromley["stationCount"], 0)
        self.assertEqual(bromley["stations"], [])
        self.assertEqual(bromley["nearestStation"]["name"], "Lewisham")
        self.assertGreater(bromley["nearestStation"]["distanceKm"], 5)

    def test_crime_rank_one_is_the_lowest_rate(self):
        rows = [r for r in boroughs_csv() if r["crime_rate_per_1000_2014_15"]]
        lowest = min(rows, key=lambda r: float(r["crime_rate_per_1000_2014_15"]))
        answer = handlers.crime({"codes": [r["code"] for r in rows]})["crime"]
        self.assertEqual([c["code"] for c in answer if c["rank"] == 1], [lowest["code"]])
        self.assertEqual(max(c["rank"] for c in answer), len(rows))

    def test_schools_rank_one_is_the_highest_gcse(self):
        rows = boroughs_csv()
        best = max(rows, key=lambda r: float(r["gcse_5ac_pct_2013_14"]))
        answer = handlers.schools({"codes": [r["code"] for r in rows] + ["nope"]})["schools"]
        self.assertIsNone(answer[-1])
        self.assertEqual(next(s for s in answer[:-1] if s["rank"] == 1)["code"], best["code"])
        self.assertEqual(answer[0]["period"], "2013/14")

    def test_stations_search_and_ids(self):
        found = handlers.stations({"search": "KING"})["stations"]
        names = [s["name"] for s in found]
        self.assertIn("King's Cross St. Pancras", names)
        self.assertTrue(all("king" in n.lower() for n in names))
        self.assertEqual(names, sorted(names, key=str.lower))
        self.assertEqual(len(handlers.stations({})["stations"]), 302)
        by_id = handlers.stations({"ids": [1, 99999]})["stations"]
        self.assertEqual(by_id[0]["name"], "Acton Town")
        self.assertIsNone(by_id[1])
        amersham = next(s for s in handlers.stations({"search": "amersham"})["stations"])
        self.assertIsNone(amersham["boroughCode"])
        self.assertIsInstance(amersham["zone"], float)
        self.assertIsInstance(amersham["rail"], bool)
        self.assertTrue(amersham["lines"])

    def test_commute_batch_is_index_aligned(self):
        answer = handlers.commutes({"pairs": [{"from": CAMDEN, "to": 1}, {"from": "nope", "to": 1},
                                              {"from": CAMDEN, "to": 99999}]})["commutes"]
        self.assertEqual(answer[0]["from"], CAMDEN)
        self.assertEqual(answer[0]["to"], 1)
        self.assertIsNone(answer[1])
        self.assertIsNone(answer[2])
        first = answer[0]
        self.assertEqual(first["minutes"], first["accessMinutes"] + first["rideMinutes"] + 5 * first["changes"])
        self.assertEqual(first["stations"][0], first["originStation"])
        self.assertEqual(first["stations"][-1]["id"], 1)
        self.assertEqual(len(first["lines"]), len(first["legs"]))
        self.assertEqual(first["changes"], len(first["legs"]) - 1)

    def test_commute_from_a_borough_without_station_adds_the_access_leg(self):
        answer = handlers.commutes({"pairs": [{"from": BROMLEY, "to": 1}]})["commutes"][0]
        nearest = handlers.area_list({"codes": [BROMLEY]})["areas"][0]["transport"]["nearestStation"]
        self.assertEqual(answer["originStation"]["id"], nearest["id"])
        c = data.CENTROIDS[BROMLEY]
        s = data.STATIONS[nearest["id"]]
        # Independent haversine, then the documented formula.
        p1, p2 = math.radians(c["lat"]), math.radians(s["lat"])
        h = (math.sin((p2 - p1) / 2) ** 2
             + math.cos(p1) * math.cos(p2) * math.sin(math.radians(s["lon"] - c["lon"]) / 2) ** 2)
        km = 2 * 6371 * math.asin(math.sqrt(h))
        self.assertEqual(answer["accessMinutes"], math.ceil(5 + km * 1.3 / 15 * 60))
        self.assertEqual(answer["minutes"], answer["accessMinutes"] + answer["rideMinutes"] + 5 * answer["changes"])

    def test_station_outside_london_is_a_destination(self):
        amersham = next(s["id"] for s in data.STATIONS.values() if s["name"] == "Amersham")
        answer = handlers.commutes({"pairs": [{"from": WESTMINSTER, "to": amersham}]})["commutes"][0]
        self.assertEqual(answer["stations"][-1]["name"], "Amersham")
        self.assertGreater(answer["minutes"], 30)


if __name__ == "__main__":
    unittest.main()
