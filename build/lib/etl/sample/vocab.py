"""Word lists the sample generator draws from.

Everything here is encodable in cp1252 except the emoji, which are only ever placed in
rows chosen for the `emoji` mess kind: a row written as cp1252 must be encodable.
No entry may spell a placeholder (`N/A`, `nan`, `none`, ...), so that a random value
can never turn into an unexpected null.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Technology:
    token: str  # normalised name, as the TRL file spells it
    words: tuple[str, ...]  # display words; variants are built from them
    title: str  # how an article title names it
    category: str
    current_trl: int
    annual_rate: float  # mean TRL change per year of the forecast


TECHNOLOGIES: tuple[Technology, ...] = (
    Technology("crispr", ("CRISPR",), "CRISPR-Cas9", "Gene Editing", 5, 0.45),
    Technology("cart-t", ("CART-T",), "CAR-T cell", "Cell Therapy", 7, 0.25),
    Technology("genetherapy", ("Gene", "Therapy"), "AAV gene therapy", "Gene Therapy", 6, 0.3),
    Technology("stemcell", ("Stem", "Cell"), "stem cell", "Regenerative Medicine", 4, 0.2),
    Technology("mrna", ("mRNA",), "mRNA", "RNA Therapeutics", 7, 0.35),
    Technology("rnai", ("RNAi",), "RNA interference", "RNA Therapeutics", 6, 0.15),
    Technology("adc", ("ADC",), "antibody-drug conjugate", "Biologics", 7, 0.2),
    Technology("organoids", ("Organoids",), "organoid", "Platform", 4, 0.3),
    Technology("bioprinting", ("Bio", "Printing"), "3D bioprinting", "Platform", 3, 0.25),
    Technology("microbiome", ("Microbiome",), "microbiome", "Biologics", 4, 0.1),
    Technology("nanomedicine", ("Nano", "Medicine"), "nanoparticle", "Drug Delivery", 5, 0.2),
    Technology(
        "syntheticbiology", ("Synthetic", "Biology"), "synthetic biology", "Platform", 4, 0.3
    ),
    Technology("baseediting", ("Base", "Editing"), "base editing", "Gene Editing", 4, 0.5),
    Technology("primeediting", ("Prime", "Editing"), "prime editing", "Gene Editing", 3, 0.55),
    Technology("nkcelltherapy", ("NK", "Cell", "Therapy"), "NK cell", "Cell Therapy", 4, 0.3),
    Technology(
        "oncolyticvirus", ("Oncolytic", "Virus"), "oncolytic virus", "Immuno-Oncology", 5, 0.1
    ),
    Technology("liquidbiopsy", ("Liquid", "Biopsy"), "liquid biopsy", "Diagnostics", 6, 0.25),
    Technology(
        "singlecellsequencing",
        ("Single", "Cell", "Sequencing"),
        "single-cell sequencing",
        "Diagnostics",
        6,
        0.2,
    ),
    Technology(
        "spatialtranscriptomics",
        ("Spatial", "Transcriptomics"),
        "spatial transcriptomics",
        "Diagnostics",
        4,
        0.35,
    ),
    Technology(
        "aidrugdiscovery", ("AI", "Drug", "Discovery"), "AI-driven", "Drug Discovery", 5, 0.4
    ),
    Technology(
        "bispecificantibodies",
        ("Bispecific", "Antibodies"),
        "bispecific antibody",
        "Biologics",
        7,
        0.15,
    ),
    Technology("exosomes", ("Exosomes",), "exosome", "Drug Delivery", 3, 0.05),
    Technology(
        "xenotransplantation", ("Xeno", "Transplantation"), "xenotransplant", "Transplant", 3, -0.1
    ),
    Technology(
        "epigeneticediting", ("Epigenetic", "Editing"), "epigenetic editing", "Gene Editing", 2, 0.2
    ),
    Technology("protac", ("PROTAC",), "PROTAC degrader", "Small Molecules", 5, -0.05),
)

# Technologies articles name but the TRL file does not know: (normalised name, the whole
# Technologies field of such an article, sometimes also naming a known technology).
UNKNOWN_TECHNOLOGY_FIELDS: tuple[tuple[str, str], ...] = (
    ("quantumbiology", "Quantum Biology"),
    ("quantumbiology", "quantumbiology; CRISPR"),
    ("xenobots", "Xenobots, mRNA"),
    ("optogenetics", "OPTOGENETICS"),
)

HORIZON_YEARS = (2026, 2027, 2028, 2030)
ASSESSMENT_YEAR = 2025

# French TRL labels by level, as the team writes them.
TRL_CATEGORIES = {
    1: "Principes de base",
    2: "Concept technologique",
    3: "Preuve de concept",
    4: "Développement précoce",
    5: "Validation en laboratoire",
    6: "Démonstration en environnement pertinent",
    7: "Démonstration opérationnelle",
    8: "Système qualifié",
    9: "Déploiement commercial",
}
TRL_STAGES = {
    **dict.fromkeys((1, 2, 3), "RECHERCHE"),
    **dict.fromkeys((4, 5, 6), "DÉVELOPPEMENT"),
    **dict.fromkeys((7, 8, 9), "INDUSTRIALISATION"),
}
MODELS = ("Random Forest", "Gradient Boosting", "Linear Regression", "ARIMA", "Prophet")

# ---- PubMed -------------------------------------------------------------------------

TITLE_OPENINGS = (
    "Efficacy of",
    "Safety and efficacy of",
    "Long-term outcomes of",
    "A first-in-human study of",
    "Optimising",
    "Mechanisms of resistance to",
    "Cost-effectiveness of",
    "Scalable manufacturing of",
    "Off-target effects of",
    "Real-world evidence on",
    "Advances in",
    "Challenges and opportunities for",
)
TITLE_CLOSINGS = (
    "in relapsed B-cell lymphoma",
    "for sickle cell disease",
    "in solid tumours: a phase I trial",
    "in Duchenne muscular dystrophy",
    "for hereditary transthyretin amyloidosis",
    "in a murine model of fibrosis",
    "in paediatric leukaemia, a retrospective cohort",
    "for early cancer detection",
    "in type 1 diabetes",
    "in Parkinson's disease models",
    "across European centres",
    ': a "real-world" registry analysis',
)
SENTENCES = (
    "We enrolled {n} patients across {c} centres between {y1} and {y2}.",
    'The primary endpoint, "overall response rate", was met in {p}% of participants.',
    "Median follow-up was {m} months, with a progression-free survival of {m2} months.",
    "Grade 3 or higher adverse events occurred in {p}% of cases, mostly cytopenias.",
    "Editing efficiency reached {p}% in primary cells, with no detectable off-target activity.",
    "These findings support further evaluation in larger, randomised cohorts.",
    'Manufacturing failures, defined as "out-of-specification" lots, fell to {p2}%.',
    "Transcriptomic profiling of {n} samples identified {c} candidate biomarkers.",
    "Cost per patient decreased by {p2}% when production was automated.",
    "In mice, a single dose restored protein expression to {p}% of wild-type levels.",
    "Limitations include the small sample size, the single-arm design and short follow-up.",
    "Patient-reported outcomes improved at 6 and 12 months (p < 0.01).",
    "Durable responses were observed in {c} of {n} evaluable patients.",
    "Delivery remains the main bottleneck; lipid nanoparticles achieved {p}% uptake.",
    "Les résultats confirment l'intérêt clinique de l'approche, sous réserve de réplication.",
)
SECTION_HEADINGS = ("Background", "Methods", "Results", "Conclusions")
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Fournier",
    "Smith",
    "Johnson",
    "Garcia",
    "Müller",
    "Schmidt",
    "Rossi",
    "Bianchi",
    "Nakamura",
    "Tanaka",
    "Wang",
    "Li",
    "Zhang",
    "Kim",
    "Park",
    "O'Brien",
    "Nguyen",
    "Kowalski",
    "Andersen",
    "Ødegaard",
    "da Silva",
    "Fernández",
    "Chen",
    "Patel",
    "Cohen",
)
INITIALS = ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "T")
KEYWORDS = (
    "gene editing",
    "immunotherapy",
    "clinical trial",
    "off-target",
    "biomarkers",
    "translational research",
    "thérapie génique",
    "cellules souches",
    "oncology",
    "drug delivery",
    "lipid nanoparticles",
    "manufacturing",
    "regulatory science",
    "rare diseases",
    "maladies rares",
    "single-cell",
    "machine learning",
    "biosimilaires",
    "pharmacokinetics",
    "safety",
)
ARTICLE_TYPES = (
    ("Journal Article", 0.55),
    ("Review", 0.2),
    ("Clinical Trial", 0.1),
    ("Randomized Controlled Trial", 0.05),
    ("Meta-Analysis", 0.04),
    ("Case Reports", 0.03),
    ("Preprint", 0.03),
)
COUNTRIES = (
    ("United States", 0.22),
    ("États-Unis", 0.08),
    ("USA", 0.05),
    ("France", 0.12),
    ("China", 0.1),
    ("Chine", 0.04),
    ("Germany", 0.06),
    ("Allemagne", 0.03),
    ("United Kingdom", 0.06),
    ("Royaume-Uni", 0.03),
    ("Japan", 0.05),
    ("Japon", 0.02),
    ("Suisse", 0.02),
    ("Switzerland", 0.02),
    ("Corée du Sud", 0.02),
    ("Canada", 0.04),
    ("Italie", 0.02),
    ("Spain", 0.02),
)
RESEARCH_DOMAINS = (
    "Oncology",
    "Clinical Research",
    "Preclinical",
    "Immunology",
    "Neurology",
    "Rare Diseases",
    "Cardiology",
    "Infectious Diseases",
    "Haematology",
)
EMOJI = ("🧬", "🔬", "🚀", "💊", "🧪")

# ---- Companies ----------------------------------------------------------------------

NAME_STEMS = (
    "Gen",
    "Bio",
    "Onco",
    "Neuro",
    "Cell",
    "Thera",
    "Immuno",
    "Vera",
    "Axo",
    "Helix",
    "Cyto",
    "Nova",
    "Prote",
    "Vita",
    "Medi",
    "Crispa",
    "Lumi",
    "Regen",
    "Zymo",
    "Arca",
)
NAME_ENDINGS = (
    "vance",
    "gen",
    "tix",
    "logic",
    "medix",
    "nova",
    "sphere",
    "vida",
    "cure",
    "quest",
    "bridge",
    "path",
    "nex",
    "genix",
    "ra",
)
LEGAL_FORMS = (
    "Inc.",
    "Therapeutics, Inc.",
    "Pharmaceuticals Inc",
    "Biosciences Corp",
    "Holdings plc",
    "Bio, Inc.",
    "Medical Ltd",
    "Corp.",
)
# Canonical state -> spellings seen in the file (the first is the canonical one).
STATE_SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("Delaware", "Delaware, États-Unis", "DE", "delaware"),
    ("California", "Californie", "Californie, États-Unis", "CA"),
    ("Massachusetts", "MA", "Massachusetts, USA"),
    ("New York", "NY", "New York, États-Unis"),
    ("Ireland", "Irlande"),
    ("Nevada", "NV"),
    ("New Jersey", "NJ"),
    ("Washington", "WA"),
    ("British Columbia", "Colombie-Britannique"),
)
STATE_WEIGHTS = (0.58, 0.1, 0.08, 0.05, 0.06, 0.04, 0.04, 0.03, 0.02)
# SIC code, SEC description, industry category the team assigns, weight.
SIC_CODES: tuple[tuple[int, str, str, float], ...] = (
    (2834, "Pharmaceutical Preparations", "Pharmaceuticals", 0.38),
    (2836, "Biological Products (No Diagnostic Substances)", "Biotechnology", 0.3),
    (2835, "In Vitro & In Vivo Diagnostic Substances", "Diagnostics", 0.08),
    (3841, "Surgical & Medical Instruments & Apparatus", "Medical Devices", 0.08),
    (3845, "Electromedical & Electrotherapeutic Apparatus", "Medical Devices", 0.04),
    (8731, "Services-Commercial Physical & Biological Research", "Research Services", 0.08),
    (2833, "Medicinal Chemicals & Botanical Products", "Pharmaceuticals", 0.04),
)
SIC_ANNOTATIONS = (" [reviewed]", " -- check", " (à vérifier)", " *", " (see notes)")
STRAY_CATEGORIES = (
    "biotech (early stage)",
    "Pharma / CDMO",
    "Biotech & Pharma",
    "diagnostics?",
    "TBD - voir Marie",
)
FILE_PATH_PREFIX = "C:\\Users\\analyste\\Documents\\ABI\\sec_edgar\\companyfacts\\CIK"
