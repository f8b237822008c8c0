"""/recommend on the real data: budget filter, exclusions, missing figures, weights, scores."""
import csv
import os
import unittest

from engine import data, handlers
from engine.validation import ApiError
from tests.support import DATA_DIR

CITY, RICHMOND = "E09000001", "E09000027"
BANK = next(s["id"] for s in data.STATIONS.values() if s["name"] == "Bank")


def rents_csv():
    with open(os.path.join(DATA_DIR, "rents.csv"), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def recommend(**body):
    return handlers.recommend(body)


class DoneWhenTest(unittest.TestCase):
    def test_student_room_600_ranks_exactly_the_boroughs_at_or_under_600(self):
        rows = rents_csv()
        affordable = {r["code"] for r in rows if r["median_room"] and int(r["median_room"]) <= 600}
        answer = recommend(persona="student", budget=600, locationType="rent", size="room")
        ranked = {r["code"] for r in answer["results"]}
        self.assertEqual(ranked, affordable)
        self.assertEqual(answer["total"], len(affordable))
        excluded = {e["code"]: e["reason"] for e in answer["excluded"]}
        self.assertEqual(set(excluded) | ranked, {r["code"] for r in rows})
        self.assertFalse(set(excluded) & ranked)
        for row in rows:
            if row["code"] in excluded:
                reason = excluded[row["code"]]
                if row["median_room"]:
                    self.assertEqual(reason["code"], "OVER_BUDGET")
                    self.assertEqual(reason["value"], float(row["median_room"]))
                    self.assertEqual(reason["limit"], 600.0)
                else:
                    self.assertEqual(reason["code"], "NO_PRICE_DATA")
        self.assertEqual(excluded[CITY]["code"], "NO_PRICE_DATA")
        self.assertEqual(excluded[RICHMOND]["code"], "NO_PRICE_DATA")


class ScoringTest(unittest.TestCase):
    def test_results_are_ranked_with_breakdowns_that_add_up(self):
        answer = recommend(persona="student", budget=900, locationType="rent", commuteTo=BANK)
        results = answer["results"]
        self.assertEqual([r["rank"] for r in results], list(range(1, len(results) + 1)))
        keys = [(-r["score"], r["price"], r["code"]) for r in results]
        self.assertEqual(keys, sorted(keys))
        for r in results:
            self.assertTrue(0 <= r["score"] <= 100)
            self.assertAlmostEqual(sum(b["contribution"] for b in r["breakdown"]), r["score"], places=6)
            factors = [b["factor"] for b in r["breakdown"]]
            self.assertEqual(factors, ["affordability", "commute", "safety", "transport", "greenSpace"])
            afford = r["breakdown"][0]
            self.assertAlmostEqual(afford["score"], 1 - r["price"] / 900, places=4)
            self.assertEqual(afford["unit"], "GBP/month")
            trip = r["breakdown"][1]
            self.assertEqual(trip["rawValue"], r["commute"]["minutes"])
            self.assertAlmostEqual(trip["score"], min(1, max(0, 1 - (r["commute"]["minutes"] - 10) / 80)), places=4)

    def test_missing_crime_is_left_out_and_named(self):
        answer = recommend(persona="student", budget=5000, locationType="rent", size="1bed")
        city = next(r for r in answer["results"] if r["code"] == CITY)
        safety = next(b for b in city["breakdown"] if b["factor"] == "safety")
        self.assertTrue(safety["missing"])
        self.assertIsNone(safety["rawValue"])
        self.assertIsNone(safety["score"])
        self.assertEqual(safety["contribution"], 0)
        # The score is the weighted mean of the factors that have a figure: safety's weight is not counted.
        present = [b for b in city["breakdown"] if not b["missing"]]
        expected = 100 * sum(b["weight"] * b["score"] for b in present) / sum(b["weight"] for b in present)
        self.assertAlmostEqual(city["score"], expected, delta=0.06)
        commute = next(b for b in city["breakdown"] if b["factor"] == "commute")
        self.assertTrue(commute["missing"], "no commuteTo: the commute factor has no figure")
        others = [r for r in answer["results"] if r["code"] != CITY]
        self.assertTrue(all(not b["missing"] for r in others for b in r["breakdown"] if b["factor"] == "safety"))

    def test_missing_room_rents_are_named_in_excluded(self):
        answer = recommend(persona="student", budget=100000, locationType="rent")
        self.assertEqual(answer["size"], "room")
        excluded = {e["code"]: e["reason"]["code"] for e in answer["excluded"]}
        self.assertEqual(excluded, {CITY: "NO_PRICE_DATA", RICHMOND: "NO_PRICE_DATA"})
        self.assertEqual(answer["total"], 31)

    def test_weights_override_factor_by_factor(self):
        answer = recommend(persona="student", budget=5000, locationType="rent", size="2bed",
                           weights={"schools": 1, "affordability": 0, "safety": 0, "transport": 0,
                                    "greenSpace": 0, "commute": 0})
        self.assertEqual(answer["weights"]["schools"], 1)
        self.assertEqual(answer["weights"]["priceGrowth"], 0.0)
        gcse = {c: b["gcse_5ac_pct_2013_14"] for c, b in data.BOROUGHS.items()}
        order = [r["code"] for r in answer["results"]]
        self.assertEqual(order, sorted(order, key=lambda c: (-gcse[c], data.RENTS[c]["median_2bed"], c)))
        self.assertEqual([b["factor"] for b in answer["results"][0]["breakdown"]], ["schools"])
        self.assertEqual(answer["results"][0]["score"], 100.0)

    def test_partial_override_keeps_other_defaults(self):
        answer = recommend(persona="parent", budget=3000, locationType="rent", weights={"priceGrowth": 0.5})
        self.assertEqual(answer["weights"]["schools"], 0.25)
        self.assertEqual(answer["weights"]["priceGrowth"], 0.5)
        self.assertEqual(answer["size"], "3bed")

    def test_all_weights_zero_is_refused(self):
        zero = {f: 0 for f in ("affordability", "commute", "safety", "schools", "transport", "greenSpace",
                               "priceGrowth")}
        with self.assertRaises(ApiError) as caught:
            recommend(persona="student", budget=600, locationType="rent", weights=zero)
        self.assertEqual((caught.exception.code, caught.exception.field), ("INVALID_VALUE", "weights"))

    def test_buying_uses_average_price_and_ignores_size(self):
        answer = recommend(persona="developer", budget=500000, locationType="buy", size="room")
        self.assertIsNone(answer["size"])
        for r in answer["results"]:
            self.assertEqual(r["price"], data.HOUSE_PRICES[r["code"]]["avg_price_latest"])
            self.assertLessEqual(r["price"], 500000)
            self.assertEqual(r["breakdown"][0]["unit"], "GBP")
        self.assertIn("priceGrowth", [b["factor"] for b in answer["results"][0]["breakdown"]])
        over = [e for e in answer["excluded"] if e["reason"]["code"] == "OVER_BUDGET"]
        self.assertEqual(len(over) + answer["total"], 33)

    def test_max_commute_minutes_excludes_long_commutes(self):
        answer = recommend(persona="student", budget=900, locationType="rent", commuteTo=BANK,
                           maxCommuteMinutes=25)
        self.assertTrue(all(r["commute"]["minutes"] <= 25 for r in answer["results"]))
        far = [e for e in answer["excluded"] if e["reason"]["code"] == "OVER_MAX_COMMUTE"]
        self.assertTrue(far)
        self.assertTrue(all(e["reason"]["value"] > 25 and e["reason"]["limit"] == 25 for e in far))

    def test_limit_cuts_results_but_not_total(self):
        full = recommend(persona="student", budget=900, locationType="rent")
        cut = recommend(persona="student", budget=900, locationType="rent", limit=3)
        self.assertEqual(cut["total"], full["total"])
        self.assertEqual(cut["results"], full["results"][:3])

    def test_echoes_the_request(self):
        answer = recommend(persona="student", budget=750.5, locationType="rent", commuteTo=BANK,
                           maxCommuteMinutes=60)
        self.assertEqual((answer["persona"], answer["locationType"], answer["budget"], answer["commuteTo"],
                          answer["maxCommuteMinutes"]), ("student", "rent", 750.5, BANK, 60))


if __name__ == "__main__":
    unittest.main()
