"""The demo hospital's fixed tables: wards, rooms, doctors, the formulary and one user per role.

Names, licences and e-mail addresses are invented; addresses use reserved example domains.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from shared.roles import Role
from shared.rules import DispensingUnit as U
from shared.rules import DosageForm as F

DEMO_TIME_ZONE = "Europe/Lisbon"
DEMO_SEED = 2026
DEMO_PATIENTS = 200

# (code, name, floor)
WARDS: tuple[tuple[str, str, str], ...] = (
    ("MED3", "Ward 3 - Internal Medicine", "3"),
    ("SUR2", "Ward 2 - General Surgery", "2"),
    ("CARD4", "Ward 4 - Cardiology", "4"),
    ("PED1", "Ward 1 - Paediatrics", "1"),
)

# (name, ward code or None for the outpatient clinic, kind)
ROOMS: tuple[tuple[str, str | None, str], ...] = (
    ("MED3 Consultation 1", "MED3", "consultation"),
    ("MED3 Treatment Room", "MED3", "treatment"),
    ("SUR2 Consultation 1", "SUR2", "consultation"),
    ("SUR2 Dressing Room", "SUR2", "treatment"),
    ("CARD4 Consultation 1", "CARD4", "consultation"),
    ("CARD4 Echo Room", "CARD4", "diagnostics"),
    ("PED1 Consultation 1", "PED1", "consultation"),
    ("PED1 Play Room", "PED1", "treatment"),
    ("Outpatients Room A", None, "consultation"),
    ("Outpatients Room B", None, "consultation"),
    ("Outpatients Room C", None, "consultation"),
)

MORNING = (time(9, 0), time(13, 0))
AFTERNOON = (time(14, 0), time(18, 0))


@dataclass(frozen=True)
class DemoDoctor:
    license_number: str
    full_name: str
    specialty: str
    email: str
    slot_minutes: int
    room: str
    # ISO weekday (1 = Monday) -> the opening stretches of that day, in Europe/Lisbon wall-clock time
    week: dict[int, tuple[tuple[time, time], ...]]


DOCTORS: tuple[DemoDoctor, ...] = (
    DemoDoctor(
        "OM-48211",
        "Dr. Ana Costa",
        "Cardiology",
        "ana.costa@hospital.example",
        20,
        "CARD4 Consultation 1",
        {1: (MORNING, AFTERNOON), 2: (MORNING,), 3: (MORNING, AFTERNOON), 4: (MORNING,), 5: (MORNING,)},
    ),
    DemoDoctor(
        "OM-39507",
        "Dr. João Ferreira",
        "Internal Medicine",
        "joao.ferreira@hospital.example",
        20,
        "MED3 Consultation 1",
        {d: (MORNING,) for d in range(1, 6)},
    ),
    DemoDoctor(
        "OM-51140",
        "Dr. Mariana Sousa",
        "Paediatrics",
        "mariana.sousa@hospital.example",
        15,
        "PED1 Consultation 1",
        {1: (AFTERNOON,), 2: (MORNING, AFTERNOON), 4: (MORNING, AFTERNOON), 5: (AFTERNOON,)},
    ),
    DemoDoctor(
        "OM-44876",
        "Dr. Ricardo Almeida",
        "General Surgery",
        "ricardo.almeida@hospital.example",
        30,
        "SUR2 Consultation 1",
        {2: (AFTERNOON,), 3: (AFTERNOON,), 5: (MORNING,)},
    ),
    DemoDoctor(
        "OM-60233",
        "Dr. Helen Carter",
        "Endocrinology",
        "helen.carter@hospital.example",
        20,
        "Outpatients Room A",
        {1: (MORNING,), 3: (MORNING,), 4: (AFTERNOON,)},
    ),
    DemoDoctor(
        "OM-57719",
        "Dr. Tomás Ribeiro",
        "Orthopaedics",
        "tomas.ribeiro@hospital.example",
        15,
        "Outpatients Room B",
        {1: (AFTERNOON,), 2: (MORNING,), 3: (AFTERNOON,), 4: (MORNING,), 5: (MORNING, AFTERNOON)},
    ),
)

# What a consultation costs at the desk (BRL, decimal strings: money is never a float), per doctor's
# licence: his fee for any appointment, and for a follow-up visit.
FOLLOW_UP = "follow_up"
CONSULTATION_FEES: dict[str, tuple[str, str]] = {
    "OM-48211": ("250.00", "180.00"),
    "OM-39507": ("180.00", "120.00"),
    "OM-51140": ("200.00", "140.00"),
    "OM-44876": ("300.00", "200.00"),
    "OM-60233": ("220.00", "150.00"),
    "OM-57719": ("230.00", "160.00"),
}

# Whose leave the demo shows: a full working week starting two Mondays after the load date.
DOCTOR_ON_LEAVE = "OM-39507"

# (code, generic name, form, strength, ordering unit, pack size)
FORMULARY: tuple[tuple[str, str, F, str, U, int], ...] = (
    ("PARACETAMOL-500-TAB", "Paracetamol", F.TABLET, "500 mg", U.TABLET, 20),
    ("PARACETAMOL-1G-INF", "Paracetamol", F.INFUSION, "1 g/100 ml", U.BAG, 1),
    ("PARACETAMOL-500-SUPP", "Paracetamol", F.SUPPOSITORY, "500 mg", U.SUPPOSITORY, 10),
    ("IBUPROFEN-400-TAB", "Ibuprofen", F.TABLET, "400 mg", U.TABLET, 20),
    ("AMOXICILLIN-500-CAP", "Amoxicillin", F.CAPSULE, "500 mg", U.CAPSULE, 16),
    ("AMOXICILLIN-250-SUSP", "Amoxicillin", F.SUSPENSION, "250 mg/5 ml", U.BOTTLE, 1),
    ("CO-AMOXICLAV-875-TAB", "Amoxicillin + clavulanic acid", F.TABLET, "875 mg/125 mg", U.TABLET, 16),
    ("CEFTRIAXONE-1G-VIAL", "Ceftriaxone", F.INJECTION, "1 g", U.VIAL, 1),
    ("VANCOMYCIN-1G-VIAL", "Vancomycin", F.INJECTION, "1 g", U.VIAL, 1),
    ("GENTAMICIN-80-AMP", "Gentamicin", F.INJECTION, "40 mg/ml, 2 ml", U.AMPOULE, 10),
    ("HEPARIN-5000-VIAL", "Heparin sodium", F.INJECTION, "5000 IU/ml, 5 ml", U.VIAL, 1),
    ("WARFARIN-5-TAB", "Warfarin", F.TABLET, "5 mg", U.TABLET, 28),
    ("ASPIRIN-100-TAB", "Acetylsalicylic acid", F.TABLET, "100 mg", U.TABLET, 30),
    ("CLOPIDOGREL-75-TAB", "Clopidogrel", F.TABLET, "75 mg", U.TABLET, 28),
    ("ATORVASTATIN-20-TAB", "Atorvastatin", F.TABLET, "20 mg", U.TABLET, 28),
    ("AMLODIPINE-5-TAB", "Amlodipine", F.TABLET, "5 mg", U.TABLET, 28),
    ("BISOPROLOL-5-TAB", "Bisoprolol", F.TABLET, "5 mg", U.TABLET, 28),
    ("RAMIPRIL-5-CAP", "Ramipril", F.CAPSULE, "5 mg", U.CAPSULE, 28),
    ("FUROSEMIDE-40-TAB", "Furosemide", F.TABLET, "40 mg", U.TABLET, 28),
    ("FUROSEMIDE-20-AMP", "Furosemide", F.INJECTION, "10 mg/ml, 2 ml", U.AMPOULE, 10),
    ("GTN-5-PATCH", "Glyceryl trinitrate", F.PATCH, "5 mg/24 h", U.PATCH, 28),
    ("METFORMIN-850-TAB", "Metformin", F.TABLET, "850 mg", U.TABLET, 60),
    ("INSULIN-HUMAN-100-VIAL", "Insulin human (soluble)", F.INJECTION, "100 IU/ml, 10 ml", U.VIAL, 1),
    ("LEVOTHYROXINE-50-TAB", "Levothyroxine", F.TABLET, "50 microgram", U.TABLET, 28),
    ("OMEPRAZOLE-20-CAP", "Omeprazole", F.CAPSULE, "20 mg", U.CAPSULE, 28),
    ("PANTOPRAZOLE-40-VIAL", "Pantoprazole", F.INJECTION, "40 mg", U.VIAL, 1),
    ("METOCLOPRAMIDE-10-TAB", "Metoclopramide", F.TABLET, "10 mg", U.TABLET, 20),
    ("ONDANSETRON-4-AMP", "Ondansetron", F.INJECTION, "2 mg/ml, 2 ml", U.AMPOULE, 5),
    ("MORPHINE-10-AMP", "Morphine sulfate", F.INJECTION, "10 mg/ml", U.AMPOULE, 10),
    ("TRAMADOL-50-CAP", "Tramadol", F.CAPSULE, "50 mg", U.CAPSULE, 20),
    ("PREDNISOLONE-20-TAB", "Prednisolone", F.TABLET, "20 mg", U.TABLET, 20),
    ("HYDROCORTISONE-100-VIAL", "Hydrocortisone sodium succinate", F.INJECTION, "100 mg", U.VIAL, 1),
    ("SALBUTAMOL-100-INH", "Salbutamol", F.INHALER, "100 microgram/dose", U.INHALER, 1),
    ("DIAZEPAM-5-TAB", "Diazepam", F.TABLET, "5 mg", U.TABLET, 20),
    ("HALOPERIDOL-5-AMP", "Haloperidol", F.INJECTION, "5 mg/ml", U.AMPOULE, 5),
    ("LIDOCAINE-2-AMP", "Lidocaine hydrochloride", F.INJECTION, "20 mg/ml, 5 ml", U.AMPOULE, 10),
    ("NACL-0.9-500-BAG", "Sodium chloride 0.9%", F.INFUSION, "500 ml", U.BAG, 1),
    ("GLUCOSE-5-500-BAG", "Glucose 5%", F.INFUSION, "500 ml", U.BAG, 1),
    (
        "RINGER-LACTATE-1000-BAG",
        "Compound sodium lactate (Ringer's lactate)",
        F.INFUSION,
        "1000 ml",
        U.BAG,
        1,
    ),
    ("KCL-10MMOL-AMP", "Potassium chloride", F.INJECTION, "1 mmol/ml, 10 ml", U.AMPOULE, 10),
    ("FUSIDIC-ACID-2-CREAM", "Fusidic acid", F.CREAM, "2%", U.TUBE, 1),
    ("CHLORAMPHENICOL-0.5-EYE", "Chloramphenicol eye drops", F.DROPS, "0.5%", U.BOTTLE, 1),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    full_name: str
    role: Role
    doctor_license: str | None = None
    ward_codes: tuple[str, ...] = ()

    @property
    def scope(self) -> str:
        if self.doctor_license:
            doctor = next(d for d in DOCTORS if d.license_number == self.doctor_license)
            return doctor.full_name
        if self.ward_codes:
            return "wards " + ", ".join(self.ward_codes)
        return "all wards"


# Demo passwords are fixed and printed on purpose: they are for the demo database only.
USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "demo-admin-2026", "Sofia Martins", Role.ADMIN),
    DemoUser("scheduler", "demo-scheduler-2026", "Rita Lopes", Role.SCHEDULER),
    DemoUser("pharmacist", "demo-pharmacist-2026", "Pedro Santos", Role.PHARMACIST),
    DemoUser("doctor", "demo-doctor-2026", "Ana Costa", Role.DOCTOR, doctor_license="OM-48211"),
    DemoUser("nurse", "demo-nurse-2026", "Inês Carvalho", Role.NURSE, ward_codes=("MED3", "CARD4")),
)

FIRST_NAMES_PT = (
    "Ana",
    "Beatriz",
    "Carolina",
    "Catarina",
    "Daniela",
    "Filipa",
    "Inês",
    "Joana",
    "Leonor",
    "Mariana",
    "Marta",
    "Patrícia",
    "Rita",
    "Sara",
    "Sofia",
    "Teresa",
    "Afonso",
    "André",
    "Bruno",
    "Diogo",
    "Duarte",
    "Francisco",
    "Gonçalo",
    "Henrique",
    "João",
    "José",
    "Luís",
    "Manuel",
    "Miguel",
    "Nuno",
    "Pedro",
    "Rafael",
    "Rodrigo",
    "Rui",
    "Tiago",
    "Vasco",
)
SURNAMES_PT = (
    "Silva",
    "Santos",
    "Ferreira",
    "Pereira",
    "Oliveira",
    "Costa",
    "Rodrigues",
    "Martins",
    "Jesus",
    "Sousa",
    "Fernandes",
    "Gonçalves",
    "Gomes",
    "Lopes",
    "Marques",
    "Alves",
    "Almeida",
    "Ribeiro",
    "Pinto",
    "Carvalho",
    "Teixeira",
    "Moreira",
    "Correia",
    "Mendes",
    "Nunes",
    "Soares",
    "Vieira",
    "Monteiro",
    "Cardoso",
    "Rocha",
    "Neves",
    "Coelho",
    "Cruz",
    "Cunha",
    "Pires",
    "Ramos",
    "Reis",
    "Simões",
    "Antunes",
)
FIRST_NAMES_EN = (
    "Alice",
    "Charlotte",
    "Emily",
    "Grace",
    "Hannah",
    "Isabel",
    "Lucy",
    "Olivia",
    "Sophie",
    "Eleanor",
    "Daniel",
    "George",
    "Harry",
    "Jack",
    "James",
    "Oliver",
    "Samuel",
    "Thomas",
    "William",
    "Edward",
)
SURNAMES_EN = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Evans",
    "Walker",
    "Wright",
    "Thompson",
    "Robinson",
    "Hughes",
    "Clarke",
    "Hall",
    "Green",
    "Wood",
    "Harris",
    "Turner",
)
