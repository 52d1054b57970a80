"""Write the demo contacts: 200 invented people with Ofcom drama numbers.

Run from the repository root: ``python resources/demo/make_contacts.py``. The output is
deterministic (a fixed seed), so re-running it leaves contacts.csv unchanged.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import phonenumbers

FIRST = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Eilidh",
    "Farah",
    "Gareth",
    "Hana",
    "Idris",
    "Jess",
    "Kofi",
    "Lena",
    "Marek",
    "Niamh",
    "Olu",
    "Poppy",
    "Quentin",
    "Rosa",
    "Sanjay",
    "Tess",
    "Umar",
    "Vera",
    "Wes",
    "Xin",
    "Yusuf",
    "Zara",
    "Aled",
    "Bethan",
    "Callum",
    "Dorota",
]
LAST = [
    "Abbott",
    "Baptiste",
    "Carrow",
    "Dunmore",
    "Ellery",
    "Fenwick",
    "Gillan",
    "Haddow",
    "Ingleby",
    "Jaswal",
    "Kettering",
    "Lomax",
    "Marsh-Okafor",
    "Nolan",
    "Ormerod",
    "Pennock",
    "Quayle",
    "Rahman",
    "Stennett",
    "Thursby",
    "Upshall",
    "Varga",
    "Wendover",
    "Yeoman",
    "Zielinski",
]
WARDS = ["Gasworks", "Millbrook", "Riverside Quay", "St Anselm's", "Tanners Hill"]
# Ofcom's drama ranges that phonenumbers accepts: London, Leeds, Manchester, Birmingham.
PREFIXES = ["020 7946 0", "0113 496 0", "0161 496 0", "0121 496 0"]
COUNT = 200


def rows(count: int = COUNT, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)  # noqa: S311 - invented demo data, not security
    out: list[dict[str, str]] = []
    used: set[str] = set()
    while len(out) < count:
        phone = f"{rng.choice(PREFIXES)}{rng.randrange(1000):03d}"
        parsed = phonenumbers.parse(phone, "GB")
        if phone in used or not phonenumbers.is_valid_number(parsed):
            continue
        used.add(phone)
        out.append(
            {
                "first_name": rng.choice(FIRST),
                "last_name": rng.choice(LAST),
                "phone": phone,
                "ward": rng.choice(WARDS),
                "last_contacted": rng.choice(["", "2025 canvass", "2024 general election"]),
            }
        )
    return out


def main() -> None:
    target = Path(__file__).with_name("contacts.csv")
    with target.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows(1)[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows())
    print(f"wrote {COUNT} contacts to {target}")


if __name__ == "__main__":
    main()
