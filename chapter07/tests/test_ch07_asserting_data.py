"""Asserting incoming data: the same exploit against the vulnerable and the
safe version of each example; it works on the first, fails on the second."""

import json
import subprocess

import pytest
import yaml

from chapter07.secure_code import (
    body_validation,
    open_redirect,
    path_traversal,
    shell_command,
    sql_injection,
    template_injection,
    unsafe_yaml,
)

# SQL injection


@pytest.fixture
def runs_db():
    db = sql_injection.make_database()
    yield db
    db.close()


def test_sql_injection_reads_every_row_of_the_vulnerable_query(runs_db):
    rows = sql_injection.vulnerable_find_runs(runs_db, "nobody' OR '1'='1")
    assert {row["email"] for row in rows} == {"runner@example.com", "admin@example.com"}


def test_sql_injection_finds_nothing_with_bound_parameters(runs_db):
    assert sql_injection.safe_find_runs(runs_db, "nobody' OR '1'='1") == []


def test_sql_injection_can_even_run_another_statement_through_union(runs_db):
    # The attacker reads what the query never meant to: here SQLite's schema.
    exploit = "' UNION SELECT sql, 0 FROM sqlite_master --"
    leaked = sql_injection.vulnerable_find_runs(runs_db, exploit)
    assert any("CREATE TABLE runs" in row["email"] for row in leaked)
    assert sql_injection.safe_find_runs(runs_db, exploit) == []


def test_bound_parameters_keep_quotes_as_data(runs_db):
    runs_db.execute("INSERT INTO runs VALUES (?, ?)", ("o'hara@example.com", 3.0))
    rows = sql_injection.safe_find_runs(runs_db, "o'hara@example.com")
    assert [row["distance"] for row in rows] == [3.0]


# Server-side template injection (the book's example; Bandit misses it)


@pytest.fixture
def ssti_app():
    return template_injection.create_app()


def test_template_injection_leaks_the_secret_key(ssti_app):
    client = ssti_app.test_client()
    exploit = {"name": "{{ config.SECRET_KEY }}"}
    response = client.get("/vulnerable/hello", query_string=exploit)
    assert response.text == f"Hello {ssti_app.config['SECRET_KEY']}!"


def test_a_template_variable_is_printed_not_run(ssti_app):
    client = ssti_app.test_client()
    exploit = {"name": "{{ config.SECRET_KEY }}"}
    response = client.get("/safe/hello", query_string=exploit)
    assert response.text == "Hello {{ config.SECRET_KEY }}!"
    assert ssti_app.config["SECRET_KEY"] not in response.text


def test_a_template_variable_is_escaped(ssti_app):
    client = ssti_app.test_client()
    response = client.get("/safe/hello", query_string={"name": "<script>"})
    assert response.text == "Hello &lt;script&gt;!"


# Path traversal in a download


@pytest.fixture
def downloads(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "run.gpx").write_text("<gpx/>")
    (tmp_path / "secret.txt").write_text("the database password")
    return path_traversal.create_app(str(folder)).test_client()


@pytest.mark.parametrize("version", ["vulnerable", "safe"])
def test_a_file_of_the_folder_downloads(downloads, version):
    response = downloads.get(f"/{version}/download", query_string={"name": "run.gpx"})
    assert response.status_code == 200
    assert response.data == b"<gpx/>"
    response.close()


def test_path_traversal_reads_outside_the_folder(downloads):
    exploit = {"name": "../secret.txt"}
    response = downloads.get("/vulnerable/download", query_string=exploit)
    assert response.data == b"the database password"
    response.close()


@pytest.mark.parametrize(
    "name", ["../secret.txt", "/etc/passwd", "run.gpx/../../secret.txt"]
)
def test_send_from_directory_refuses_to_leave_the_folder(downloads, name):
    response = downloads.get("/safe/download", query_string={"name": name})
    assert response.status_code == 404
    assert response.json["status"] == 404
    assert b"password" not in response.data


# Unsafe YAML loading

# Loading this calls a function of the author's choice; here a harmless one
# that shows it ran: a command's output ends up in the loaded data.
YAML_EXPLOIT = "!!python/object/apply:subprocess.check_output [[echo, owned]]"


def test_unsafe_yaml_runs_the_document_s_command():
    assert unsafe_yaml.vulnerable_load_settings(YAML_EXPLOIT) == b"owned\n"


def test_safe_load_refuses_python_objects():
    with pytest.raises(yaml.constructor.ConstructorError):
        unsafe_yaml.safe_load_settings(YAML_EXPLOIT)


def test_safe_load_reads_plain_settings():
    settings = unsafe_yaml.safe_load_settings("workers: 4\nhosts: [a, b]\n")
    assert settings == {"workers": 4, "hosts": ["a", "b"]}


# A shell command built from input


@pytest.fixture
def gpx_folder(tmp_path):
    (tmp_path / "run.gpx").write_text("<gpx>\n</gpx>\n")
    return tmp_path


def test_the_shell_runs_a_command_hidden_in_a_name(gpx_folder):
    exploit = "run.gpx; touch owned"
    assert shell_command.vulnerable_count_lines(str(gpx_folder), exploit) == 2
    assert (gpx_folder / "owned").exists()


@pytest.mark.parametrize(
    "exploit", ["run.gpx; touch owned", "$(touch owned)", "`touch owned`"]
)
def test_an_argument_list_runs_no_command_from_a_name(gpx_folder, exploit):
    # wc looks for a file of that strange name, does not find it, and fails.
    with pytest.raises(subprocess.CalledProcessError):
        shell_command.safe_count_lines(str(gpx_folder), exploit)
    assert not (gpx_folder / "owned").exists()


def test_a_name_like_an_option_is_still_a_name(gpx_folder):
    (gpx_folder / "--version").write_text("one line\n")
    assert shell_command.safe_count_lines(str(gpx_folder), "--version") == 1


# An open redirect after login

EVIL = "https://evil.example/login"


def test_the_vulnerable_login_redirects_to_another_site():
    client = open_redirect.create_app().test_client()
    response = client.post("/vulnerable/login", query_string={"next": EVIL})
    assert response.location == EVIL


@pytest.mark.parametrize(
    "target",
    [
        EVIL,
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_the_safe_login_stays_on_the_site(target):
    client = open_redirect.create_app().test_client()
    response = client.post("/safe/login", query_string={"next": target})
    assert response.location == "/"


def test_the_safe_login_follows_a_local_path():
    client = open_redirect.create_app().test_client()
    response = client.post("/safe/login", query_string={"next": "/runs?page=2"})
    assert response.location == "/runs?page=2"


# Bodies against a schema, with size limits


@pytest.fixture
def api():
    return body_validation.create_app().test_client()


def test_a_valid_body_passes(api):
    run = {"title": "Long run", "distance": 21.1, "tags": ["race"]}
    response = api.post("/runs", json=run)
    assert response.status_code == 200
    assert response.json == run


def test_a_body_over_max_content_length_is_a_json_413(api):
    big = json.dumps({"title": "x" * body_validation.MAX_BODY_BYTES, "distance": 1})
    response = api.post("/runs", data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.json["status"] == 413


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"title": "x" * 101, "distance": 1},
            "title: too long (at most 100 characters)",
        ),
        ({"title": "ok", "distance": 1, "tags": ["t"] * 11}, "tags: too many items"),
        ({"title": "ok", "distance": 1, "tags": ["x" * 31]}, "tags.0: too long"),
        ({"title": "ok", "distance": -1}, "distance: "),
        ({"title": "ok", "distance": "far"}, "distance: 'far' is not of type"),
        ({"title": "ok"}, "body: 'distance' is a required property"),
        ({"title": "ok", "distance": 1, "admin": True}, "body: Additional properties"),
        (["title", "distance"], "body: "),
    ],
)
def test_an_invalid_body_is_a_json_400_naming_the_field(api, body, message):
    response = api.post("/runs", json=body)
    assert response.status_code == 400
    assert response.json["message"].startswith(message)


def test_a_long_value_is_not_echoed_back(api):
    response = api.post("/runs", json={"title": "ok", "distance": "9" * 10_000})
    assert response.status_code == 400
    assert len(response.json["message"]) < 200


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("not json", "application/json"), ('{"title": "ok"}', "text/plain")],
)
def test_a_body_that_is_not_json_is_a_json_400(api, data, content_type):
    response = api.post("/runs", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.json["status"] == 400
