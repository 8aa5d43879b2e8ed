import re
from pathlib import Path

import pytest

from moocplatform.catalog.services import archive_course, import_pack
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user, write_pack

COURSES = Path(__file__).resolve().parent.parent / "courses"


def test_catalogue_lists_imported_courses(client):
    make_course("alpha-course", title="Alpha course")
    make_course("beta-course", title="Beta course")
    page = client.get("/courses").get_data(as_text=True)
    assert "Alpha course" in page and "Beta course" in page
    assert "2 courses" in page


@pytest.mark.parametrize("query, expected, unexpected", [
    ({"q": "alpha"}, "Alpha course", "Beta course"),
    ({"q": "called beta-course"}, "Beta course", "Alpha course"),
    ({"language": "de"}, "Beta course", "Alpha course"),
    ({"competence": "Creativity"}, "Beta course", "Alpha course"),
    ({"effort": "intensive"}, "Beta course", "Alpha course"),
    ({"effort": "moderate"}, "Alpha course", "Beta course"),
])
def test_catalogue_search_and_filters(client, query, expected, unexpected):
    make_course("alpha-course", title="Alpha course", effort=3)
    make_course("beta-course", title="Beta course", language="de", effort=8,
                competences=[{"framework": "EntreComp", "code": "1.2", "name": "Creativity"}])
    page = client.get("/courses", query_string=query).get_data(as_text=True)
    assert expected in page
    assert unexpected not in page


def test_search_treats_wildcards_literally(client):
    make_course("alpha-course", title="Alpha course")
    page = client.get("/courses", query_string={"q": "%"}).get_data(as_text=True)
    assert "No course matches" in page


def test_course_page_shows_syllabus_and_facts(client):
    make_course("alpha-course", title="Alpha course", modules=2, units_per_module=2)
    page = client.get("/courses/alpha-course").get_data(as_text=True)
    for text in ("Alpha course", "Week 1", "Week 2", "Unit 2.2", "Do one thing well.", "Managing learning",
                 "CC-BY-SA-4.0", "Register to enrol"):
        assert text in page


def test_unknown_course_is_404(client):
    assert client.get("/courses/nope").status_code == 404


def test_archived_course_leaves_catalogue_but_stays_for_enrolled(client):
    course = make_course("alpha-course", title="Alpha course")
    learner = make_user()
    from tests.factories import enrol
    enrol(learner, course)
    archive_course(None, course)
    assert "Alpha course" not in client.get("/courses").get_data(as_text=True)
    assert client.get("/courses/alpha-course").status_code == 404
    log_in(client, learner)
    assert client.get("/courses/alpha-course").status_code == 200


def test_catalogue_pages(app, client):
    app.config["CATALOG_PAGE_SIZE"] = 2
    try:
        for name in ("a-one", "b-two", "c-three"):
            make_course(name, title=name.replace("-", " ").title())
        first = client.get("/courses").get_data(as_text=True)
        assert "A One" in first and "C Three" not in first and "Page 1 of 2" in first
        second = client.get("/courses?page=2").get_data(as_text=True)
        assert "C Three" in second and "A One" not in second and "Previous page" in second
        assert "C Three" in client.get("/courses?page=99").get_data(as_text=True)  # clamped to the last page
    finally:
        app.config["CATALOG_PAGE_SIZE"] = 24


def test_reference_list_page_or_the_courses_references_unit(client):
    make_course("alpha-course")
    page = client.get("/courses/alpha-course/references").get_data(as_text=True)
    assert '<li id="ref-ref1"><strong>Author, 2020.</strong> Author, A. (2020). A book. Publisher.</li>' in page
    make_course("beta-course", modules=1, units_per_module=2, extra_files={
        "units/m1/02-m1-u2.md": "---\nid: sources\ntitle: Sources\ntype: references\nminutes: 5\npreview: true\n"
                                "---\nWhere to read on.\n"})
    response = client.get("/courses/beta-course/references")
    assert response.status_code == 302 and response.location.endswith("/courses/beta-course/units/sources")
    unit = client.get("/courses/beta-course/units/sources").get_data(as_text=True)
    assert "Where to read on." in unit and 'id="ref-ref1"' in unit and "References · 5 min" in unit


def test_enrolled_learners_are_told_what_a_new_version_changed(client, tmp_path):
    course = make_course("growing", modules=1, units_per_module=2)
    learner = make_user()
    enrol(learner, course)
    import_pack(None, write_pack(tmp_path, "growing", version="1.1.0", modules=1, units_per_module=3))
    log_in(client, learner)
    page = client.get("/courses/growing").get_data(as_text=True)
    assert "What is new in version 1.1.0" in page
    news = page[page.index("What is new in version 1.1.0"):page.index("</section>", page.index("What is new"))]
    assert "A new unit:" in news and "/courses/growing/units/m1-u3" in news
    assert "Revised units:" in news  # the pack writer puts the version in every unit's body
    visitor = client.application.test_client()
    assert "What is new" not in visitor.get("/courses/growing").get_data(as_text=True)


def test_a_card_image_shows_on_the_catalogue_card_and_the_course_page(app, client, tmp_path):
    course = make_course("pictured-course", title="Pictured course", card_image="assets/square.svg")
    make_course("plain-course", title="Plain course")
    assert course.card_image.startswith("/assets/") and course.card_image.endswith("/square.svg")
    page = client.get("/courses").get_data(as_text=True)
    tag = f'<img class="card-image" src="{course.card_image}" alt=""'
    assert page.count('class="card-image"') == 1 and tag in page  # decorative: the title beside it names it
    image = client.get(course.card_image)
    image.close()
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert tag in client.get("/courses/pictured-course").get_data(as_text=True)
    assert 'class="card-image"' not in client.get("/courses/plain-course").get_data(as_text=True)
    # A later version without a card image takes it off the card.
    import_pack(None, write_pack(tmp_path, "pictured-course", version="1.1.0", title="Pictured course"))
    assert course.card_image is None
    assert 'class="card-image"' not in client.get("/courses").get_data(as_text=True)


def test_a_template_unit_offers_its_odt_for_download_and_its_pdf_to_read(client):
    import_pack(None, COURSES / "learning-to-learn")
    page = client.get("/courses/learning-to-learn/units/l2l-m1-template-learning-file").get_data(as_text=True)
    links = dict(re.findall(r'href="(/assets/[0-9a-f]{64}/learning-file\.(odt|pdf))"', page))
    assert set(links.values()) == {"odt", "pdf"}
    for url, suffix in links.items():
        response = client.get(url)
        response.close()
        assert response.status_code == 200
        if suffix == "odt":
            assert response.mimetype == "application/vnd.oasis.opendocument.text"
            assert response.headers["Content-Disposition"] == 'attachment; filename="learning-file.odt"'
        else:
            assert response.mimetype == "application/pdf"
            assert response.headers["Content-Disposition"] == 'inline; filename="learning-file.pdf"'
