"""What a certificate states about the learning behind it: the elements of an EU micro-credential (Council
Recommendation 2022/C 243/02, Annex I) and the competences with their framework.

Most of it the platform knows: the learning outcomes and competences of the course version completed, the
workload from its declared effort, the type of assessment from its completion rules, the form of
participation from the learner's cohort. The pack's `micro_credential` block adds what it cannot know (ECTS
credits, an EQF level, the quality assurance). The facts are kept on the certificate when it is issued
(`Certificate.details`), so the supplement reads the same later whatever changes in the course or cohort;
the sentences are made from them when a document is drawn.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError

from ..content.credential_checks import country_name, workload_hours
from . import queries
from .models import Certificate, CertificateKind

# The frameworks the pilot courses use: the title and address of each one's official publication (the packs
# cite the same), for the supplement and the credential's alignments; a framework not listed here is named
# as the pack names it and aligned to the course page.
FRAMEWORK_TITLES = {
    "LifeComp": "the European Framework for the Personal, Social and Learning to Learn Key Competence",
    "EntreComp": "the Entrepreneurship Competence Framework",
}
FRAMEWORK_URLS = {
    "LifeComp": "https://doi.org/10.2760/302967",
    "EntreComp": "https://doi.org/10.2791/593884",
}
EQF_URL = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32017H0615(01)"  # Council Rec. 2017/C 189/03


def snapshot(user_id: int, course_id: int, version_label: str, kind: CertificateKind) -> dict[str, Any]:
    """The facts of the supplement for a learner's certificate of the named course version (a few queries)."""
    version = queries.course_version(course_id, version_label)
    return facts_of(version.manifest if version is not None else {},
                    unit_count=version.unit_count if version is not None else 0,
                    cohorts=queries.learner_cohorts(user_id, course_id), kind=kind)


def facts_of(manifest: dict[str, Any], *, unit_count: int, cohorts: Sequence[queries.LearnerCohort],
             kind: CertificateKind) -> dict[str, Any]:
    """The facts from a stored manifest (catalog's `course_versions.manifest`) and the learner's cohorts."""
    block = manifest.get("micro_credential") or {}
    rules = manifest.get("completion") or {}
    required = rules.get("required_units", "all")
    weekly, weeks = manifest.get("effort_hours_per_week") or 0, manifest.get("duration_weeks") or 0
    return {
        "language": manifest.get("language") or "",
        "outcomes": [o["text"] if isinstance(o, dict) else str(o) for o in manifest.get("outcomes") or []],
        "competences": [{"framework": c.get("framework", ""), "code": str(c.get("code", "")),
                         "name": c.get("name", "")} for c in manifest.get("competences") or []],
        "effort_hours_per_week": weekly,
        "duration_weeks": weeks,
        "workload_hours": workload_hours(block, weekly, weeks),
        "workload_stated": bool(block.get("workload_hours")),
        "ects": block.get("ects"),
        "eqf_level": block.get("eqf_level"),
        "quality_assurance": block.get("quality_assurance") or "",
        "partners": [{"name": p.get("name", ""), "country": p.get("country", ""), "url": p.get("url", ""),
                      "logo_sha256": p.get("logo_sha256", "")} for p in manifest.get("partners") or []],
        "cohorts": [{"name": c.name, "live_sessions": c.live_sessions} for c in cohorts],
        "assessed": kind == CertificateKind.ACHIEVEMENT,
        "rules": {
            "units": unit_count if required == "all" else len(required),
            "all_units": required == "all",
            "quizzes": len(rules.get("quizzes_to_pass") or []),
            "assignments": len(rules.get("assignments") or []),
            "discussions": len(rules.get("discussions") or []),
            "external_items": sum(c.external_items for c in cohorts),
            "sign_off": any(c.requires_sign_off for c in cohorts),
        },
    }


def details_of(certificate: Certificate) -> dict[str, Any]:
    """The facts kept at issue; for a certificate issued before they were kept, those of its course version
    and the holder's cohorts now."""
    if certificate.details:
        return certificate.details
    if certificate.user_id is None:
        return snapshot(0, certificate.course_id, certificate.course_version, certificate.kind)
    return snapshot(certificate.user_id, certificate.course_id, certificate.course_version, certificate.kind)


@dataclass(frozen=True)
class Element:
    """One element of the supplement: a heading and its text, or its list of lines."""

    heading: str
    lines: tuple[str, ...]
    style: str = "lines"  # "lines": one a line; "bullets": a bulleted list; "inline": run together


def _plural(n: int, one: str, many: str) -> str:
    return (one if n == 1 else many).format(n=n)


def assessment_lines(facts: dict[str, Any]) -> list[str]:
    """The type of assessment: what the completion rules asked of the holder."""
    if not facts.get("assessed"):
        return ["None: a statement of participation records enrolment and activity, not assessed learning."]
    rules = facts.get("rules") or {}
    lines = []
    if rules.get("quizzes"):
        lines.append(_plural(rules["quizzes"], "Testing: {n} online quiz passed at its pass mark",
                             "Testing: {n} online quizzes, each passed at its pass mark"))
    if rules.get("assignments"):
        lines.append(_plural(rules["assignments"], "Application of skills: {n} assignment accepted against its rubric",
                             "Application of skills: {n} assignments, each accepted against its rubric"))
    if rules.get("discussions"):
        lines.append(_plural(rules["discussions"], "Contributions to {n} discussion, as its rule asks",
                             "Contributions to {n} discussions, as each one's rule asks"))
    if rules.get("external_items"):
        lines.append(_plural(rules["external_items"], "{n} activity of the cohort's plan done",
                             "{n} activities of the cohort's plan done"))
    if rules.get("sign_off"):
        lines.append("Review of the learner's work and sign-off by the cohort's facilitator")
    if rules.get("units"):
        lines.append(_plural(rules["units"], "Completion of the course's {n} unit" if rules.get("all_units")
                             else "Completion of {n} required unit",
                             "Completion of all {n} units of the course" if rules.get("all_units")
                             else "Completion of {n} required units"))
    return lines or ["Completion of the course's units"]


def supervision_line(facts: dict[str, Any]) -> str:
    if not facts.get("assessed"):
        return "Not applicable: no assessment."
    if (facts.get("rules") or {}).get("sign_off"):
        return "Online; completion reviewed and signed off by a facilitator; no identity verification."
    return "Online and unsupervised; no identity verification."


def participation_line(facts: dict[str, Any]) -> str:
    cohorts = facts.get("cohorts") or []
    if not cohorts:
        return "Online, self-paced."
    cohort = cohorts[0]
    sessions = cohort.get("live_sessions") or 0
    led = f"Online, in the facilitated cohort \u201c{cohort['name']}\u201d"
    return led + (_plural(sessions, ", with {n} live session.", ", with {n} live sessions.") if sessions else ".")


def workload_line(facts: dict[str, Any]) -> str:
    hours = facts.get("workload_hours") or 0
    text = f"{hours:g} hours of learning" if hours else "Not stated"
    weekly, weeks = facts.get("effort_hours_per_week"), facts.get("duration_weeks")
    if hours and not facts.get("workload_stated") and weekly and weeks:
        text += f" (about {weekly} hours a week for {weeks} weeks)"
    if not facts.get("assessed"):
        return text + "; taking part earns no ECTS credits."
    ects = facts.get("ects")
    return text + (f"; {ects:g} ECTS credits." if ects else "; no ECTS credits are awarded.")


def level_line(facts: dict[str, Any]) -> str:
    level = facts.get("eqf_level")
    if level:
        return f"Level {level} of the European Qualifications Framework (EQF)."
    return "Not referenced to a level of the European Qualifications Framework: a non-formal open course."


def competence_lines(facts: dict[str, Any]) -> list[str]:
    """One line per framework: "LifeComp (the European Framework …): P1 Self-regulation, P2 Flexibility"."""
    by_framework: dict[str, list[str]] = {}
    for c in facts.get("competences") or []:
        by_framework.setdefault(c["framework"], []).append(f"{c['code']} {c['name']}")
    return [f"{framework}{f' ({FRAMEWORK_TITLES[framework]})' if framework in FRAMEWORK_TITLES else ''}: "
            + ", ".join(names) for framework, names in by_framework.items()]


def partner_lines(facts: dict[str, Any]) -> list[str]:
    return [p["name"] + (f" ({country_name(p['country'])})" if p.get("country") else "")
            for p in facts.get("partners") or []]


def elements(certificate: Certificate, *, issuer: str, country: str) -> list[Element]:
    """The supplement's elements in the order of the Recommendation's Annex I."""
    facts = details_of(certificate)
    issued = f"{certificate.issued_at:%d %B %Y}".lstrip("0")
    found = [
        Element("Holder", (certificate.holder_name or "(name removed at the holder's request)",)),
        Element("Title", (certificate.course_title + f" (course version {certificate.course_version})",)),
        Element("Awarding body and country", (f"{issuer}, {country_name(country)}" if country else issuer,)),
        Element("Date of issue", (issued,)),
        Element("Learning outcomes", tuple(facts.get("outcomes") or ["Not stated"]), "bullets"),
        Element("Competences and their framework", tuple(competence_lines(facts) or ["Not stated"])),
        Element("Notional workload", (workload_line(facts),)),
        Element("Level", (level_line(facts),)),
        Element("Type of assessment", tuple(assessment_lines(facts)), "bullets"),
        Element("Supervision and identity verification", (supervision_line(facts),)),
        Element("Form of participation", (participation_line(facts),)),
        Element("Quality assurance", (facts.get("quality_assurance") or "Not stated by the course.",)),
    ]
    if facts.get("partners"):
        found.append(Element("Partner organisations", tuple(partner_lines(facts)), "inline"))
    if facts.get("language"):
        found.append(Element("Language of instruction", (language_name(facts["language"]),)))
    return found


def language_name(tag: str) -> str:
    try:
        return Locale.parse(tag.replace("-", "_")).get_display_name("en") or tag
    except (ValueError, UnknownLocaleError):
        return tag
