"""The seed page (shared/seeds/000_307b032abd08afcd.txt) built by hand as ArticleContent.

Markers are written as the importer turns the page's trailing numbers into them
(``... outcomes 2`` -> ``... outcomes [2]``); the body text and the headings are the page's.
"""

from __future__ import annotations

from articles.content import ArticleContent, CitationData, ReferenceData, SectionData

AIR_TRAVEL = ReferenceData(
    title="Air Travel Guidelines for Medically Stable Patients",
    kind="guideline",
    publisher="Praxis Medical Insights: Practical Summaries of Clinical Guidelines",
    year=2025,
)

SEED_SECTIONS = (
    (
        "Treatment Options for Back Pain",
        2,
        "The initial management of back pain should focus on non-pharmacological interventions, including physical "
        "therapy with eccentric strengthening exercises and patient education, which have shown good efficacy with 75% "
        "of patients experiencing significant improvement within 48 hours. [1]",
    ),
    ("Non-Pharmacological Treatment Options (First-Line)", 2, ""),
    (
        "Physical Activity and Exercise",
        3,
        "- Avoid bed rest completely - this worsens outcomes [2]\n"
        "- Regular physical activity with gradual return to normal activities [1]\n"
        "- Exercise therapy tailored to the specific condition:\n"
        "  - Eccentric strengthening exercises\n"
        "  - Walking programs\n"
        "  - Core strengthening\n"
        "  - Yoga or tai chi [3]",
    ),
    (
        "Physical Therapy Interventions",
        3,
        "- Manual therapy techniques\n"
        "- Heat application for pain relief\n"
        "- Patient education on proper body mechanics\n"
        "- Supervised exercise programs [1, 3]",
    ),
    (
        "Risk Stratification",
        3,
        "The STarT Back tool can help identify appropriate treatment intensity [1]:\n\n"
        "- Low risk patients: Self-management strategies\n"
        "- Medium risk patients: Physiotherapy with patient-centered plan\n"
        "- High risk patients: Comprehensive biopsychosocial assessment",
    ),
    ("Pharmacological Treatment Options (Second-Line)", 2, ""),
    (
        "NSAIDs",
        3,
        "- First-line pharmacological treatment for back pain [1]\n"
        "- 75% of patients show good or very good response within 48 hours\n"
        "- Consider continuous rather than intermittent use in active disease\n"
        "- COX-2 selective NSAIDs may be preferred for long-term treatment due to fewer gastric side effects [1]",
    ),
    (
        "Muscle Relaxants",
        3,
        "- Cyclobenzaprine may be used as an adjunct for acute, painful musculoskeletal conditions with muscle spasm [4]\n"  # noqa: E501 - the seed's own line
        "- Important dosing considerations:\n"
        "  - Use only for short periods (up to 2-3 weeks)\n"
        "  - Start with 5mg in elderly patients or those with mild hepatic impairment\n"
        "  - Not recommended for moderate to severe hepatic impairment [4]\n"
        "  - Common side effects include drowsiness and dry mouth",
    ),
    (
        "Other Medications",
        3,
        "- Duloxetine may be beneficial for chronic back pain [2]\n"
        "- Evidence is inconclusive for benzodiazepines, antidepressants, corticosteroids, anticonvulsants, cannabis, "
        "and acetaminophen [2]\n"
        "- Opioids should be used at the lowest possible dose and reevaluated regularly, as efficacy for low back pain "
        "with radicular symptoms is inconclusive [1]",
    ),
    ("Interventional Procedures", 2, ""),
    (
        "Injections",
        3,
        "- Epidural steroid injections may provide short-term symptom relief in patients with radicular pain, but are "
        "not recommended for non-radicular back pain [2]",
    ),
    (
        "Surgical Considerations",
        3,
        "- Surgery should be considered only after failure of conservative management (typically after 3 months) [1]\n"
        "- Appropriate surgical candidates include:\n"
        "  - Patients with persistent functional disabilities\n"
        "  - Progressive spinal stenosis\n"
        "  - Worsening spondylolisthesis\n"
        "  - Herniated disk with persistent neurological deficits [2]\n"
        "- Lumbar discectomy is the established procedure for nerve compression when conservative management fails [1]\n"  # noqa: E501 - the seed's own line
        "- Fusion should only be considered in specific circumstances:\n"
        "  - Recurrent disc herniations with evidence of instability\n"
        "  - Chronic axial low back pain with radiographic evidence of instability\n"
        "  - Manual laborers with severe degenerative changes [1]",
    ),
    (
        "Diagnostic Imaging",
        2,
        "- Routine imaging for acute back pain (<4 weeks) without red flags provides no clinical benefit [1]\n"
        "- Imaging is indicated when:\n"
        "  - Red flags are present (cauda equina syndrome, progressive neurological deficits)\n"
        "  - Pain persists despite conservative therapy (>3 months)\n"
        "  - Neuromuscular deficits are present [2]\n"
        "- MRI is recommended if symptoms persist despite conservative management [1]",
    ),
    ("Special Considerations", 2, ""),
    (
        "When to Refer",
        3,
        "- Refer to pain management if symptoms persist after standard therapies (3 months)\n"
        "- Immediate specialist evaluation for patients with:\n"
        "  - Severe neurological deficits\n"
        "  - Cauda equina syndrome\n"
        "  - Progressive neurological deterioration [1]",
    ),
    (
        "Common Pitfalls to Avoid",
        3,
        "1. Prescribing bed rest (worsens outcomes)\n"
        "2. Ordering unnecessary imaging for acute back pain without red flags\n"
        "3. Prolonged use of muscle relaxants beyond 2-3 weeks\n"
        "4. Relying solely on passive treatments\n"
        "5. Initiating opioids before exhausting other options\n"
        "6. Delaying active rehabilitation strategies\n\n"
        "The most effective approach to back pain combines early activity, appropriate non-pharmacological "
        "interventions, judicious use of medications when needed, and consideration of interventional or surgical "
        "options only for specific indications after conservative measures have failed.",
    ),
)


def seed_content() -> ArticleContent:
    return ArticleContent(
        question="What are the treatment options for back pain?",
        topic="back pain",
        slug="what-are-the-treatment-options-for-back-pain",
        sections=tuple(SectionData(heading=h, level=level, body=body) for h, level, body in SEED_SECTIONS),
        citations=(CitationData(number=1, reference=AIR_TRAVEL),),
    )
