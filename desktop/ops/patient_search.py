"""Patient type-ahead over the cached patients: word prefixes of the name, MRN prefix, accents and case
ignored, built once and then answered from memory in microseconds. No Qt here."""

from __future__ import annotations

import bisect
import heapq
import itertools
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from desktop.store import CachedRecord, LocalStore
from shared.protocol import Entity

MIN_TYPED = 2  # the type-ahead starts at the second letter (one letter matches a tenth of a hospital)


@dataclass(frozen=True, slots=True)
class PatientMatch:
    """A cached patient as the type-ahead lists them."""

    id: uuid.UUID
    full_name: str
    mrn: str
    birth_date: str = ""

    @property
    def label(self) -> str:
        """What the type-ahead shows and completes to: 'Maria Fernandes · MRN-0042'."""
        return f"{self.full_name} · {self.mrn}" if self.mrn else self.full_name


def fold(text: str) -> str:
    """Lower case without accents: 'Gonçalo' and 'goncalo' are the same key."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_SEPARATORS = re.compile(r"[\W_]+")


def _words(text: str) -> list[str]:
    return [w for w in _SEPARATORS.split(fold(text)) if w]


class PatientIndex:
    """Prefix search over patients: every word of the name and the MRN (also without its separators).

    Built from the cache in one pass (`from_store`); `search` bisects a sorted key list, so a keystroke
    costs a few milliseconds even with tens of thousands of patients.
    """

    def __init__(self, patients: Iterable[PatientMatch]) -> None:
        self._list = list(patients)
        self._by_id = {patient.id: patient for patient in self._list}
        self._words: list[tuple[str, ...]] = []
        keys: list[tuple[str, int]] = []
        names: list[tuple[str, str, int]] = []
        for number, patient in enumerate(self._list):
            name_words = _words(patient.full_name)
            mrn_words = _words(patient.mrn)
            own = {*name_words, *mrn_words, "".join(mrn_words)}
            own.discard("")
            self._words.append(tuple(own))
            keys.extend((key, number) for key in own)
            names.append((" ".join(name_words), patient.mrn, number))
        keys.sort()
        self._keys = [key for key, _ in keys]
        self._numbers = [number for _, number in keys]
        # Results are listed by name: each patient's place in that order, computed once.
        names.sort()
        self._rank = [0] * len(self._list)
        for rank, (_, _, number) in enumerate(names):
            self._rank[number] = rank

    @classmethod
    def from_store(cls, store: LocalStore) -> PatientIndex:
        """Every cached patient. Raises StorageUnavailable."""
        return cls(patient_of(record) for record in store.records(Entity.PATIENT))

    def __len__(self) -> int:
        return len(self._list)

    def get(self, patient_id: uuid.UUID) -> PatientMatch | None:
        return self._by_id.get(patient_id)

    def search(self, text: str, *, limit: int = 20) -> list[PatientMatch]:
        """Patients each of whose typed words begins a word of their name or MRN, by name.

        'ana sil' finds 'Ana Rita Silva'; 'mrn-004', 'mrn004' and '004' find MRN-0042. Fewer than two
        letters or digits find nothing.
        """
        typed = _words(text)
        compact = "".join(typed)
        if len(compact) < MIN_TYPED:
            return []
        # Start from the typed word with the fewest matches, then check the others per candidate.
        ranges = sorted((self._range(word), word) for word in typed)
        (start, end), narrowest = min(ranges, key=lambda found: found[0][1] - found[0][0])
        others = [word for _, word in ranges if word != narrowest]
        candidates = {
            number
            for number in itertools.islice(self._numbers, start, end)
            if all(any(key.startswith(word) for key in self._words[number]) for word in others)
        }
        if len(typed) > 1:  # 'mrn-004' also as 'mrn004'
            start, end = self._range(compact)
            candidates.update(itertools.islice(self._numbers, start, end))
        best = heapq.nsmallest(limit, candidates, key=self._rank.__getitem__)
        return [self._list[number] for number in best]

    def _range(self, prefix: str) -> tuple[int, int]:
        start = bisect.bisect_left(self._keys, prefix)
        return start, bisect.bisect_left(self._keys, prefix + "\U0010ffff", lo=start)


def patient_of(record: CachedRecord) -> PatientMatch:
    """A cached patient record as the type-ahead lists it."""
    data = record.data
    return PatientMatch(
        id=record.id,
        full_name=str(data.get("full_name") or ""),
        mrn=str(data.get("mrn") or ""),
        birth_date=str(data.get("birth_date") or ""),
    )
