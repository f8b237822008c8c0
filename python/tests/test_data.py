import csv
import hashlib
import os
import re
import unittest

from engine import data
from tests.support import DATA_DIR


class DataTest(unittest.TestCase):
    def test_files_ship_with_the_engine(self):
        self.assertEqual(os.path.realpath(data.DATA_DIR), os.path.realpath(DATA_DIR))
        for name in data.DATA_FILES + ("PROVENANCE.md", "README.md"):
            self.assertTrue(os.path.isfile(os.path.join(DATA_DIR, name)), name)
        with open(os.path.join(DATA_DIR, "PROVENANCE.md"), encoding="utf-8") as f:
            self.assertIn("Licence", f.read())

    def test_data_version_is_the_sha256_of_the_files_in_order(self):
        digest = hashlib.sha256()
        for name in data.DATA_FILES:
            with open(os.path.join(DATA_DIR, name), "rb") as f:
                digest.update(name.encode() + b"\0" + f.read())
        self.assertEqual(data.DATA_VERSION, digest.hexdigest()[:12])
        self.assertRegex(data.DATA_VERSION, re.compile(r"^[0-9a-f]{12}$"))

    def test_keyed_by_ons_code_with_missing_cells_as_none(self):
        self.assertEqual(data.AREA_CODES, [f"E090000{i:02d}" for i in range(1, 34)])
        city = "E09000001"
        self.assertIsNone(data.BOROUGHS[city]["crime_rate_per_1000_2014_15"])
        self.assertIsNone(data.RENTS[city]["median_room"])
        self.assertIsNone(data.RENTS["E09000027"]["median_room"])
        with open(os.path.join(DATA_DIR, "boroughs.csv"), newline="", encoding="utf-8") as f:
            blanks = sum(1 for row in csv.DictReader(f) for v in row.values() if v == "")
        nones = sum(1 for row in data.BOROUGHS.values() for v in row.values() if v is None)
        self.assertEqual(nones, blanks)

    def test_tube_network(self):
        self.assertEqual(len(data.STATIONS), 302)
        self.assertEqual(len(data.CONNECTIONS), 406)
        self.assertEqual(len(data.LINES), 13)
        outside = [s for s in data.STATIONS.values() if s["borough_code"] is None]
        self.assertEqual(len(outside), 16)


if __name__ == "__main__":
    unittest.main()
