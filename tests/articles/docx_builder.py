"""Builds Word ``.docx`` test files with python-docx, adding what python-docx cannot write itself.

python-docx writes paragraphs by style (Title, Heading 2, List Bullet, List Number) and superscript runs;
Word footnotes and tracked changes are added to the saved package here: a run whose text is
``{{fn:N}}`` becomes a reference to footnote N (``footnotes`` gives their texts), and ``{{ins:TEXT}}``
becomes TEXT inside a tracked insertion (``<w:ins>``). ``python tests/articles/docx_builder.py`` rebuilds
the corpus's Word files (``tests/fixtures/corpus/*.docx``) from ``CORPUS`` below.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
FOOTNOTES_CONTENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_PLACEHOLDER_RUN = re.compile(
    r"<w:r>(?:<w:rPr/>|<w:rPr>(?:(?!</w:r>).)*?</w:rPr>)?"
    r'<w:t(?: xml:space="preserve")?>\{\{(?P<kind>fn|ins):(?P<value>[^}]*)\}\}'
    r"</w:t></w:r>"
)


def build_docx(blocks: list[tuple[str, object]], *, footnotes: dict[int, str] | None = None) -> bytes:
    """``blocks``: ``(style, text)`` paragraphs; text may be a list of ``(text, superscript)`` runs."""
    document = Document()
    for style, text in blocks:
        paragraph = document.add_paragraph(style=style if style != "Normal" else None)
        runs = text if isinstance(text, list) else [(text, False)]
        for run_text, superscript in runs:
            for piece in re.split(r"(\{\{(?:fn|ins):[^}]*\}\})", run_text):
                if piece:
                    run = paragraph.add_run(piece)
                    run.font.superscript = superscript or None
    buffer = io.BytesIO()
    document.save(buffer)
    return _with_notes_and_changes(buffer.getvalue(), footnotes or {})


def _with_notes_and_changes(data: bytes, footnotes: dict[int, str]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                content = _PLACEHOLDER_RUN.sub(_replace_placeholder, content.decode()).encode()
            elif item.filename == "word/_rels/document.xml.rels" and footnotes:
                content = content.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdFootnotes" Type="{FOOTNOTES_TYPE}" Target="footnotes.xml"/>'
                    "</Relationships>".encode(),
                )
            elif item.filename == "[Content_Types].xml" and footnotes:
                content = content.replace(
                    b"</Types>",
                    f'<Override PartName="/word/footnotes.xml" ContentType="{FOOTNOTES_CONTENT}"/></Types>'.encode(),
                )
            fixed = zipfile.ZipInfo(item.filename, date_time=(2026, 1, 1, 0, 0, 0))  # the same bytes every build
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)
        if footnotes:
            fixed = zipfile.ZipInfo("word/footnotes.xml", date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, _footnotes_xml(footnotes))
    return out.getvalue()


def _replace_placeholder(match: re.Match[str]) -> str:
    if match.group("kind") == "fn":
        return (
            '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:id="{int(match.group("value"))}"/></w:r>'
        )
    return (
        '<w:ins w:id="901" w:author="Reviewer" w:date="2026-01-01T00:00:00Z">'
        f'<w:r><w:t xml:space="preserve">{match.group("value")}</w:t></w:r></w:ins>'
    )


def _footnotes_xml(footnotes: dict[int, str]) -> str:
    notes = "".join(
        f'<w:footnote w:id="{number}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {escape(text)}</w:t></w:r></w:p></w:footnote>'
        for number, text in sorted(footnotes.items())
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{W}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        f"</w:footnote>{notes}</w:footnotes>"
    )


# --- the corpus's Word files -------------------------------------------------------------------------

VITAMIN_D_FOOTNOTES = {
    1: "Bischoff-Ferrari HA, Dawson-Hughes B, Staehelin HB, et al. Fall prevention with supplemental and active "
    "forms of vitamin D: a meta-analysis of randomised controlled trials. BMJ. 2009;339:b3692. "
    "doi:10.1136/bmj.b3692",
    2: "US Preventive Services Task Force. Interventions to prevent falls in community-dwelling older adults: "
    "recommendation statement. JAMA. 2018;319(16):1696-1704. doi:10.1001/jama.2018.3097",
    3: "Bischoff-Ferrari HA, et al. Fall prevention with supplemental and active forms of vitamin D. BMJ. "
    "2009;339:b3692. doi:10.1136/BMJ.B3692",
    4: "Bolland MJ, Grey A, Avenell A. Effects of vitamin D supplementation on musculoskeletal health: a "
    "systematic review, meta-analysis, and trial sequential analysis. Lancet Diabetes Endocrinol. "
    "2018;6(11):847-858. doi:10.1016/S2213-8587(18)30265-1",
}
VITAMIN_D = [
    ("Title", "Does vitamin D prevent falls in older adults?"),
    ("Heading 2", "What the Trials Show"),
    ("Normal", "Daily vitamin D of 700 to 1000 IU reduced falls in early trials.{{fn:1}}"),
    ("Normal", "Later and larger trials found no effect on falls in people living at home.{{fn:4}}"),
    ("Heading 2", "Who Should Take It"),
    ("List Bullet", "Older adults in care homes, who are often deficient{{fn:3}}"),
    ("List Bullet", "Not community-dwelling adults without deficiency, to prevent falls{{fn:2}}"),
    ("Heading 3", "Other Ways to Prevent Falls"),
    ("List Number", "Exercise that trains balance and strength{{fn:2}}"),
    ("List Number", "A review of medicines that cause dizziness"),
]

COPD = [
    ("Heading 1", "When should inhaled corticosteroids be used in COPD?"),
    ("Heading 2", "Who Benefits"),
    (
        "Normal",
        [
            (
                "Add an inhaled corticosteroid to dual bronchodilators after repeated exacerbations when the "
                "blood eosinophil count is 300 cells/µL or more.",
                False,
            ),
            ("1,2", True),
        ],
    ),
    ("Normal", [("The benefit is small when eosinophils are below 100 cells/µL [2].", False)]),
    ("Heading 2", "Risks"),
    ("Normal", [("Inhaled corticosteroids raise the risk of pneumonia in COPD.", False), ("3", True)]),
    ("Heading 2", "References"),
    (
        "List Number",
        "Global Initiative for Chronic Obstructive Lung Disease. Global strategy for prevention, "
        "diagnosis and management of COPD: 2024 report. https://goldcopd.org/2024-gold-report/",
    ),
    (
        "List Number",
        "Bafadhel M, Peterson S, De Blas MA, et al. Predictors of exacerbation risk and response to "
        "budesonide in patients with chronic obstructive pulmonary disease. Lancet Respir Med. "
        "2018;6(2):117-126. doi:10.1016/S2213-2600(18)30006-7",
    ),
    (
        "List Number",
        "Yang IA, Clarke MS, Sim EH, Fong KM. Inhaled corticosteroids for stable chronic "
        "obstructive pulmonary disease. Cochrane Database Syst Rev. 2012;(7):CD002991. "
        "doi:10.1002/14651858.CD002991.pub3",
    ),
]
CORPUS = {
    "word-footnotes-vitamin-d.docx": (VITAMIN_D, VITAMIN_D_FOOTNOTES),
    "word-numbered-copd.docx": (COPD, None),
}


def main() -> None:
    folder = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
    for name, (blocks, notes) in CORPUS.items():
        (folder / name).write_bytes(build_docx(blocks, footnotes=notes))
        print(f"wrote {folder / name}")


if __name__ == "__main__":
    main()
