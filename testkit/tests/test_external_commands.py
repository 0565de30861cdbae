"""Every program the suite runs is one that a new machine gets from this project.

A test once ran ``uv`` from the PATH and relied on uv's cache. ``make
install`` never installed uv, so the suite failed on every new machine and
passed on ours, where someone had installed uv by hand. A new machine has
``python3``, ``make``, ``git``, Debian's essential and required packages,
what ``make services`` installs (the Makefile's ``APT_PACKAGES``, with their
dependencies) and the virtual environment's ``bin/`` (``requirements.txt``):
nothing else. This module finds, without running anything, every external
command that Python code (tests, examples, testkit, doctests), a README's
shell, console and Python blocks, a Makefile recipe or ``.ci/run`` runs or
looks up, and checks that one of those provides it. A command found only
where someone put it by hand (``~/.local/bin``, a package no listed one
needs) fails here, on our machine, with where it is used.

And a tool of the virtual environment must be called by its path
(``Path(sys.executable).parent / NAME``, ``find_uv_bin()``): ``make run`` and
``make test`` do not put ``.venv/bin`` on the PATH, so a bare ``uv`` finds
another copy, or none. READMEs are exempt: the reader activates the
environment, and the README runner puts it first on the PATH.
"""

import ast
import doctest
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from glob import glob
from pathlib import Path

import pytest
from sybil.document import Document
from sybil.parsers.markdown.lexers import (
    DirectiveInHTMLCommentLexer,
    FencedCodeBlockLexer,
)

from testkit.files import repository_files
from testkit.servers import ROOT
from testkit.services import SEARCH_PATH, missing, services_required
from testkit.tests.test_chapter_requirements import absolute_module

VENV_BIN = Path(sys.executable).parent  # not resolved: .venv/bin itself
# What every new machine has besides Debian's base and the two lists.
ALWAYS_THERE = {"python3", "make", "git"}
# Looked up on purpose to see the skip of a missing binary (test_testkit.py).
ABSENT_ON_PURPOSE = {"no-such-binary-here"}

# Calls that run their argument as a command: qualified name -> (position,
# keyword, how the argument names the program). "argv": a list whose first
# item is the program, or a shell line; "program": the program itself;
# "shell": a shell line. The repository's own helpers were found by grepping
# for what hands a command on to subprocess; test_the_helpers_still_exist
# notices when one is renamed.
RUNNERS = {
    **{f"subprocess.{name}": (0, "args", "argv") for name in (
        "run", "Popen", "call", "check_call", "check_output")},
    "subprocess.getoutput": (0, "cmd", "shell"),
    "subprocess.getstatusoutput": (0, "cmd", "shell"),
    "os.system": (0, "command", "shell"),
    "os.popen": (0, "cmd", "shell"),
    **{f"os.exec{suffix}": (0, "path", "program") for suffix in (
        "l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")},
    "asyncio.create_subprocess_exec": (0, "program", "program"),
    "asyncio.create_subprocess_shell": (0, "cmd", "shell"),
    "pty.spawn": (0, "argv", "argv"),
    "testkit.servers.ServerProcess": (0, "command", "argv"),
    "testkit.postgres.PostgresProcess": (0, "command", "argv"),
    "testkit.rabbitmq.RabbitMQProcess": (0, "command", "argv"),
    "testkit.prometheus.PrometheusProcess": (0, "command", "argv"),
    "server_process": (0, "command", "argv"),  # conftest.py's fixture, by name
    "chapter09.deploy.run": (0, "command", "argv"),
    "chapter07.machinery.benchmark.running": (0, "command", "argv"),
    "chapter06.machinery.launcher.Service": (1, "command", "argv"),
    "chapter08.machinery.stack.Service": (1, "command", "argv"),  # chapter 6's
}  # fmt: skip
# Lookups by name on a PATH: qualified name -> (position, keyword).
LOOKUPS = {
    "shutil.which": (0, "cmd"),
    "testkit.services.find_binary": (0, "name"),
    "testkit.postgres.find_postgres_binary": (0, "name"),
}
# Where the repository's helpers are defined (the fixture: in conftest.py).
HELPER_FILES = {
    "server_process": "conftest.py",
    "chapter08.machinery.stack.Service": "chapter06/machinery/launcher.py",
}

BASH_BUILTINS = set(
    ". : [ alias bg bind break builtin caller cd command compgen complete compopt "
    "continue declare dirs disown echo enable eval exec exit export false fc fg "
    "getopts hash help history jobs kill let local logout mapfile popd printf "
    "pushd pwd read readarray readonly return set shift shopt source suspend test "
    "times trap true type typeset ulimit umask unalias unset wait".split()
)
SEPARATOR_CHARS = set(";&|()")
QUOTED_AWAY = SEPARATOR_CHARS | {"<", ">"}
# Words after which the next word is the command.
KEYWORD_PREFIXES = set("if then else elif do while until ! { time".split())
# Words that end a compound command, or start one whose words are no command.
KEYWORDS_WITHOUT_COMMAND = set("fi done esac } for case select [[ in".split())
# Commands that run the command after their options.
WRAPPERS = set("sudo env nohup exec nice timeout command".split())
ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
# A program called by its absolute path there is a package's; elsewhere
# (/tmp/env/bin/pip) it is one the code made.
SYSTEM_FOLDERS = ("/usr/", "/bin/", "/sbin/", "/lib/", "/opt/")


@dataclass(frozen=True)
class Use:
    """A command run or looked up by name (or by an absolute path)."""

    name: str
    where: str  # path:line, relative to the repository
    source: str  # "python", "python-shell", "readme", "make"

    @property
    def builtins_apply(self) -> bool:
        return self.source != "python"

    @property
    def venv_on_path(self) -> bool:
        return self.source == "readme"


# Shell command lines


def shell_words(line: str) -> list[str]:
    """The command words of a shell line: after assignments, keywords and
    redirections, through pipes, lists, ``$(...)`` and `` `...` ``, plus the
    command a wrapper runs (``env X=1 cmd``) and what ``command -v`` seeks."""
    outer, inner = _substitutions(line.replace("\\\n", " "))
    words = [word for text in inner for word in shell_words(text)]
    lexer = shlex.shlex(outer.replace("\n", " ; "), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""  # bash's "#" starts a comment only as a word: done
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: good enough for the first word
        tokens = outer.split()
    simple: list[str] = []
    for token in [*tokens, ";"]:
        if token and set(token) <= SEPARATOR_CHARS:
            words += _simple_command_words(simple)
            simple = []
        else:
            simple.append(token)
    return words


def _is_redirection(token: str) -> bool:
    return (
        bool(token)
        and set(token) <= SEPARATOR_CHARS | {"<", ">"}
        and ("<" in token or ">" in token)
    )


def _simple_command_words(tokens: list[str]) -> list[str]:
    i = _command_word_at(tokens)
    if i is None:
        return []
    word, rest = tokens[i], tokens[i + 1 :]
    if word not in WRAPPERS:
        return [word]
    if word == "command" and rest[:1] in (["-v"], ["-V"]):
        return [word, *rest[1:2]]  # a lookup of that name
    return [word, *_simple_command_words(_wrapped(word, rest))]


def _command_word_at(tokens: list[str]) -> int | None:
    """Where the command word is, past redirections, assignments and
    keywords (``!``, ``time``...); None if the tokens run none."""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if _is_redirection(token):
            i += 2
        elif token.isdigit() and i + 1 < len(tokens) and _is_redirection(tokens[i + 1]):
            i += 3
        elif ASSIGNMENT.match(token) or token in KEYWORD_PREFIXES:
            i += 1
        elif token in KEYWORDS_WITHOUT_COMMAND:
            return None
        else:
            return i
    return None


def _wrapped(wrapper: str, rest: list[str]) -> list[str]:
    """What a wrapper (``env``, ``nice``, ``timeout``...) runs: its words
    past its options, assignments and (``timeout``'s) duration."""
    while rest and (rest[0].startswith("-") or ASSIGNMENT.match(rest[0])):
        rest = rest[1:]
    if wrapper == "timeout" and rest:
        rest = rest[1:]  # the duration
    return rest


def _substitutions(line: str) -> tuple[str, list[str]]:
    """The line with each ``$(...)`` and `` `...` `` replaced by a runtime
    value, and their contents (not within single quotes: literal there)."""
    out, inner, i, quote = [], [], 0, None
    while i < len(line):
        found = None if quote == "'" else _substitution_at(line, i)
        if found is not None:
            contents, i = found
            inner.append(contents)
            out.append("$SUBSTITUTED")
            continue
        text, i, quote = _step(line, i, quote)
        out.append(text)
    return "".join(out), inner


def _substitution_at(line: str, i: int) -> tuple[str, int] | None:
    """A ``$(...)`` or `` `...` `` starting at ``i``: its contents, and
    where the line goes on after it."""
    if line.startswith("$(", i) and not line.startswith("$((", i):
        end = _closing(line, i + 2)
        return line[i + 2 : end], end + 1
    if line[i] == "`":
        end = line.find("`", i + 1)
        end = len(line) if end < 0 else end
        return line[i + 1 : end], end + 1
    return None


def _step(line: str, i: int, quote: str | None) -> tuple[str, int, str | None]:
    """One character (or escape) at ``i``: what stands for it, where the
    line goes on, and the quote open after it. Quoted, a separator or a
    redirection is no longer one."""
    char = line[i]
    if quote == "'":
        return (
            ("_" if char in QUOTED_AWAY else char),
            i + 1,
            (None if char == "'" else quote),
        )
    if char == "\\":
        return line[i : i + 2], i + 2, quote
    if quote is None:
        return _unquoted_step(line, i)
    if char == '"':
        return char, i + 1, None
    return ("_" if char in QUOTED_AWAY else char), i + 1, quote


def _unquoted_step(line: str, i: int) -> tuple[str, int, str | None]:
    char = line[i]
    if char in "'\"":
        return char, i + 1, char
    if char == "#" and (i == 0 or line[i - 1].isspace()):
        end = line.find("\n", i)  # a comment, to the end of its line
        return "", len(line) if end < 0 else end, None
    return char, i + 1, None


def _closing(line: str, start: int) -> int:
    """The index of the ``)`` that closes a ``$(`` opened before ``start``."""
    depth, quote, i = 1, None, start
    while i < len(line):
        char = line[i]
        if char == "\\" and quote != "'":
            i += 2  # escaped, outside single quotes
            continue
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                return i
        i += 1
    return len(line)


# Python code


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _assigns(node: ast.AST, name: str) -> bool:
    """Whether ``node`` is ``name = ...`` or ``name: ... = ...``."""
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    return (
        isinstance(node, ast.AnnAssign)
        and node.value is not None
        and isinstance(node.target, ast.Name)
        and node.target.id == name
    )


def _parameter_names(scope: ast.AST) -> set[str]:
    arguments = getattr(scope, "args", None)
    if not arguments:
        return set()
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return {a.arg for a in every}


def _constant_prefix(value: ast.JoinedStr) -> str:
    """The text an f-string starts with, before its first replacement."""
    prefix = ""
    for part in value.values:
        if not isinstance(part, ast.Constant):
            break
        prefix += str(part.value)
    return prefix


class PythonScan:
    """The commands a piece of Python runs through :data:`RUNNERS` and looks
    up through :data:`LOOKUPS`, as far as constants show them: a name is
    followed to what is assigned to it, a call of a function of the same
    module to what it returns; a parameter or anything computed is unknown
    and left alone (``sys.executable``, ``Path(...) / NAME``: not PATH
    lookups)."""

    def __init__(self, tree: ast.AST, module: str, is_package: bool = False):
        self.tree = tree
        self.module = module
        self.is_package = is_package
        self.functions = {
            node.name: node
            for node in getattr(tree, "body", [])
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }

    # Built only for a module that calls something of the right name: most
    # call none, and the whole repository must scan in a second or so.
    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        return {
            child: node
            for node in ast.walk(self.tree)
            for child in ast.iter_child_nodes(node)
        }

    @cached_property
    def imports(self) -> dict[str, str]:
        names = {}
        package = self.module.split(".")
        package = package if self.is_package else package[:-1]
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    names[alias.asname or top] = alias.name if alias.asname else top
            elif isinstance(node, ast.ImportFrom):
                base = absolute_module(node, package)
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{base}.{alias.name}"
        return names

    def qualify(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            if node.id in self.imports:
                return self.imports[node.id]
            if node.id in self.functions:
                return f"{self.module}.{node.id}"
            return node.id
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def uses(
        self, calls: list[ast.Call] | None = None
    ) -> Iterator[tuple[str, int, str]]:
        """(name, line, source) of each command found; ``calls``: the calls
        of a helper's name, when the caller has walked the tree already."""
        if calls is None:
            calls = [node for node in ast.walk(self.tree) if _may_run(node)]
        for node in calls:
            qualified = self.qualify(node.func)
            if qualified in RUNNERS:
                yield from self._run(node, *RUNNERS[qualified])
            elif qualified in LOOKUPS:
                arg = _argument(node, *LOOKUPS[qualified])
                names = self.strings(arg, node) if arg is not None else ()
                yield from ((name, node.lineno, "python") for name in names)

    def _run(self, node: ast.Call, position: int, keyword: str, mode: str):
        """The commands a call of a runner (``subprocess.run``...) runs."""
        arg = _argument(node, position, keyword)
        if arg is None:
            return
        shell = mode == "shell" or any(
            k.arg == "shell"
            and isinstance(k.value, ast.Constant)
            and bool(k.value.value)
            for k in node.keywords
        )
        source = "python-shell" if shell else "python"
        for name in self.command_names(arg, node, mode):
            yield name, node.lineno, source

    # Following values

    def _scopes(self, node: ast.AST) -> Iterator[ast.AST]:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
                yield node

    def expand(self, node: ast.AST, at: ast.AST, depth: int = 0) -> Iterator:
        """(value, where it is) for what ``node`` may be, as far as known."""
        if depth > 8:
            return
        if isinstance(node, ast.Name):
            for value, where in self._assigned(node.id, at):
                yield from self.expand(value, where, depth + 1)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and isinstance(self.functions.get(node.func.id), ast.FunctionDef)
        ):
            function = self.functions[node.func.id]
            for child in _own_nodes(function):
                if isinstance(child, ast.Return) and child.value is not None:
                    yield from self.expand(child.value, child.value, depth + 1)
        else:
            yield node, at

    def _assigned(self, name: str, at: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
        for scope in self._scopes(at):
            values = [
                (child.value, child.value)
                for child in _own_nodes(scope)
                if _assigns(child, name)
            ]
            if values:
                return values
            if name in _parameter_names(scope):
                return []  # a parameter: its callers know
        return []

    def strings(self, node: ast.AST, at: ast.AST) -> set[str]:
        return {
            value.value
            for value, _ in self.expand(node, at)
            if isinstance(value, ast.Constant) and isinstance(value.value, str)
        }

    def command_names(self, node: ast.AST, at: ast.AST, mode: str) -> set[str]:
        names = set()
        for value, where in self.expand(node, at):
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                text = value.value
                names.update([text] if mode == "program" else shell_words(text))
            elif isinstance(value, ast.JoinedStr) and mode != "program":
                prefix = _constant_prefix(value)
                if prefix and prefix[-1].isspace():  # a whole first word
                    names.update(shell_words(prefix))
            else:
                names |= self._heads(value, where)[0]
        return names

    def _heads(self, node: ast.AST, at: ast.AST, depth: int = 0) -> tuple[set, bool]:
        """The first items of a sequence, and whether it may be empty."""
        heads, may_be_empty = set(), False
        for value, where in self.expand(node, at, depth):
            if isinstance(value, (ast.List, ast.Tuple)):
                found, empty = self._first(value.elts, where, depth + 1)
            elif isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
                found, empty = self._heads(value.left, where, depth + 1)
                if empty:
                    more, empty = self._heads(value.right, where, depth + 1)
                    found |= more
            else:
                found, empty = set(), False  # unknown
            heads |= found
            may_be_empty |= empty
        return heads, may_be_empty

    def _first(self, items: list[ast.AST], at: ast.AST, depth: int) -> tuple[set, bool]:
        heads = set()
        for item in items:
            if isinstance(item, ast.Starred):
                found, empty = self._heads(item.value, at, depth)
                heads |= found
                if empty:
                    continue
                return heads, False
            return heads | self.strings(item, at), False
        return heads, True


CALLED_NAMES = {name.rpartition(".")[2] for name in [*RUNNERS, *LOOKUPS]}


def _may_run(node: ast.AST) -> bool:
    """A call of a runner's or a lookup's name (qualified later)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name in CALLED_NAMES


def _argument(call: ast.Call, position: int, keyword: str) -> ast.AST | None:
    if len(call.args) > position and not any(
        isinstance(arg, ast.Starred) for arg in call.args[: position + 1]
    ):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function or module, not of the functions inside it."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
        ):
            stack.extend(ast.iter_child_nodes(node))


def python_uses(
    source: str | ast.AST,
    where: str,
    module: str = "snippet",
    first_line: int = 1,
    calls: list[ast.Call] | None = None,
    **options,
) -> list[Use]:
    """The commands a piece of Python runs; ``where`` is its file."""
    try:
        tree = ast.parse(source) if isinstance(source, str) else source
    except SyntaxError:
        return []  # a doctest's fragment, or a file being edited
    return [
        Use(name, f"{where}:{first_line + line - 1}", kind)
        for name, line, kind in PythonScan(tree, module, **options).uses(calls)
    ]


def doctest_uses(text: str, where: str, first_line: int) -> list[Use]:
    """What the ``>>>`` examples of a docstring or a block run."""
    uses = []
    for example in doctest.DocTestParser().get_examples(text):
        uses += python_uses(
            example.source, where, first_line=first_line + example.lineno
        )
    return uses


def python_file_uses(path: Path) -> list[Use]:
    where = str(path.relative_to(ROOT))
    try:
        tree = ast.parse(path.read_text())
    except SyntaxError:
        return []  # being edited: its own tests say so
    calls, scopes = [], []
    for node in ast.walk(tree):
        if _may_run(node):
            calls.append(node)
        elif isinstance(
            node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        ):
            scopes.append(node)
    uses = []
    if calls:
        uses += python_uses(
            tree,
            where,
            module_name(path),
            calls=calls,
            is_package=path.name == "__init__.py",
        )
    # Sybil runs the modules' doctests too.
    for node in scopes:
        docstring = _docstring(node)
        if docstring is not None:
            uses += doctest_uses(docstring.value.value, where, docstring.lineno)
    return uses


def _docstring(node: ast.AST) -> ast.Expr | None:
    """The docstring statement of a module, class or function, if any."""
    first = node.body[0] if node.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        return first if isinstance(first.value.value, str) else None
    return None


# READMEs, the Makefile, .ci/run


def readme_uses(path: Path) -> list[Use]:
    """What the suite runs of a README: its shell and console blocks, its
    ``wait-for`` commands and Python blocks, less what Sybil's ``skip``
    leaves out (for the reader only: say so in the report, not here)."""
    text = path.read_text()
    where = str(path.relative_to(ROOT))
    document = Document(text, str(path))
    regions = [
        *FencedCodeBlockLexer(language="python|shell|console")(document),
        *DirectiveInHTMLCommentLexer(directive="skip|needs|wait-for|ports")(document),
    ]
    uses, skipping = [], None
    for region in sorted(regions, key=lambda region: region.start):
        lexemes = region.lexemes
        line = text.count("\n", 0, region.start) + 1
        directive = lexemes.get("directive")
        if directive == "skip":
            action = lexemes["arguments"].split()[0]
            skipping = None if action == "end" else action
            continue
        if skipping:
            skipping = None if skipping == "next" else skipping
            continue
        uses += _region_uses(lexemes, where, line)
    return uses


def _region_uses(lexemes: dict, where: str, line: int) -> list[Use]:
    """What one README block (or ``wait-for`` directive) at ``line`` runs."""
    directive = lexemes.get("directive")
    if directive == "wait-for":
        words = shell_words(lexemes["arguments"])
        return [Use(w, f"{where}:{line}", "readme") for w in words]
    if directive is not None:
        return []
    source, language = str(lexemes["source"]), lexemes["language"]
    if language == "python" and ">>>" in source:
        return doctest_uses(source, where, line + 1)
    if language == "python":
        return python_uses(source, where, first_line=line + 1)
    return [
        Use(word, f"{where}:{line + 1 + offset}", "readme")
        for offset, command in block_commands(source, language)
        for word in shell_words(command)
    ]


def block_commands(source: str, language: str) -> list[tuple[int, str]]:
    """(line offset, command) of a shell block (every line) or a console
    block (``$ `` lines), continuation lines joined, as the runner reads them."""
    found: list[tuple[int, str]] = []
    continued = False
    for offset, line in enumerate(source.splitlines()):
        if continued:
            found[-1] = (found[-1][0], found[-1][1] + "\n" + line)
        elif language == "shell" and line.strip() and not line.strip().startswith("#"):
            found.append((offset, line.strip()))
        elif language == "console" and line.startswith("$ "):
            found.append((offset, line[2:]))
        else:
            continue
        continued = line.endswith("\\")
    return found


def makefile_variables(text: str) -> dict[str, tuple[str, int]]:
    """NAME -> (value, line) of the Makefile's assignments."""
    variables = {}
    for line_number, line in _logical_lines(text):
        match = re.match(r"([A-Za-z_]\w*)\s*(?:\?=|:=|::=|\+=|=)\s*(.*)$", line)
        if match and not line.startswith("\t"):
            variables[match[1]] = (match[2].split("#")[0].strip(), line_number)
    return variables


def apt_packages() -> list[str]:
    """What ``make services`` installs: the Makefile's APT_PACKAGES."""
    value, _ = makefile_variables((ROOT / "Makefile").read_text())["APT_PACKAGES"]
    return value.split()


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    start, pending = 0, ""
    for number, line in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield start, pending + (line.lstrip("\t") if pending else line)
        pending = ""


def makefile_uses(path: Path) -> list[Use]:
    """The commands of the recipes, after make expands its variables, and
    those of ``$(shell ...)``."""
    text = path.read_text()
    where = str(path.relative_to(ROOT))
    variables = makefile_variables(text)
    lines: list[tuple[int, str]] = []

    def expand(value: str, line: int, depth: int = 0) -> str:
        out, i = [], 0
        while i < len(value):
            if value.startswith("$$", i):
                out.append("$")
                i += 2
            elif value.startswith("$(", i):
                end = _closing(value, i + 2)
                inner = value[i + 2 : end]
                if inner.startswith("shell "):
                    lines.append((line, expand(inner[6:], line, depth + 1)))
                    out.append("$SHELL_OUTPUT")
                elif inner == "MAKE":
                    out.append("make")
                elif inner in variables and depth < 10:
                    out.append(expand(variables[inner][0], line, depth + 1))
                elif " " in inner:
                    out.append("$FUNCTION")  # $(if ...), $(patsubst ...)
                i = end + 1  # an unset variable is empty
            elif value.startswith("$", i):
                out.append("$AUTOMATIC")  # $@, $<
                i += 2
            else:
                out.append(value[i])
                i += 1
        return "".join(out)

    for value, line in variables.values():
        if "$(shell" in value:
            expand(value, line)
    for line, logical in _logical_lines(text):
        if logical.startswith("\t"):
            lines.append((line, expand(logical.lstrip("\t").lstrip("@-+"), line)))
    return [
        Use(word, f"{where}:{line}", "make")
        for line, cmd in lines
        for word in shell_words(cmd)
    ]


def script_uses(path: Path) -> list[Use]:
    """A shell script's commands, less the functions it defines."""
    where = str(path.relative_to(ROOT))
    script = path.read_text()
    functions = set(re.findall(r"^\s*(?:function\s+)?([\w-]+)\s*\(\)", script, re.M))
    return [
        Use(word, f"{where}:{line}", "make")
        for line, text in _logical_lines(script)
        for word in shell_words(text)
        if word not in functions
    ]


def collect() -> list[Use]:
    """Every command of the repository, with where it is used."""
    uses = []
    for path in repository_files():
        if path.suffix == ".py":
            uses += python_file_uses(path)
        elif path.name == "README.md":
            uses += readme_uses(path)
    uses += makefile_uses(ROOT / "Makefile")
    if (ROOT / ".ci" / "run").exists():
        uses += script_uses(ROOT / ".ci" / "run")
    return uses


def external(uses: list[Use]) -> list[Use]:
    """The uses a program must serve: not a builtin in a shell, not a path
    the code builds at run time (``$env/bin/...``, ``./x``)."""
    return [
        use
        for use in uses
        if use.name
        and "$" not in use.name
        and ("/" not in use.name or use.name.startswith(SYSTEM_FOLDERS))
        and not (use.builtins_apply and use.name in BASH_BUILTINS)
        and use.name not in ABSENT_ON_PURPOSE
    ]


def bare_venv_tools(uses: list[Use], venv_tools: set[str]) -> dict[str, list[Use]]:
    """The tools of the virtual environment called by name where the
    environment is not on the PATH: Python code, the Makefile, .ci/run."""
    found = defaultdict(list)
    for use in external(uses):
        if not use.venv_on_path and use.name in venv_tools - ALWAYS_THERE:
            found[use.name].append(use)
    return found


# Debian


@dataclass
class Package:
    installed: bool
    base: bool  # Essential: yes, or Priority: required
    depends: str  # Pre-Depends and Depends
    provides: str


DPKG_FORMAT = (
    "${Package}\t${db:Status-Abbrev}\t${Essential}\t${Priority}\t"
    "${Pre-Depends}, ${Depends}\t${Provides}\n"
)


def parse_packages(text: str) -> dict[str, Package]:
    """``dpkg-query -W -f DPKG_FORMAT`` (one line per package and arch)."""
    packages: dict[str, Package] = {}
    for line in text.splitlines():
        name, status, essential, priority, depends, provides = line.split("\t")
        package = Package(
            installed=status[1:2] == "i",
            base=essential == "yes" or priority == "required",
            depends=depends,
            provides=provides,
        )
        known = packages.get(name)
        if known is None or package.installed and not known.installed:
            packages[name] = package
    return packages


def _names(field: str) -> list[list[str]]:
    """``a (>= 1), b:any | c`` -> [["a"], ["b", "c"]]."""
    groups = []
    for group in field.split(","):
        alternatives = [
            alternative.split()[0].split(":")[0]
            for alternative in group.split("|")
            if alternative.strip()
        ]
        if alternatives:
            groups.append(alternatives)
    return groups


def closure(packages: dict[str, Package], roots: set[str]) -> set[str]:
    """The installed packages that ``roots`` and Debian's base need: their
    Pre-Depends and Depends, recursively; of alternatives (``a | b``) and
    virtual packages, every installed one counts (which one apt chose is not
    recorded). Recommends do not count: make services installs without."""
    installed = {name for name, package in packages.items() if package.installed}
    providers = _providers(packages, installed)

    def needs(name: str) -> set[str]:
        wanted = {a for group in _names(packages[name].depends) for a in group}
        return (wanted & installed).union(*(providers[a] for a in wanted))

    found = {name for name in installed if packages[name].base or name in roots}
    todo = list(found)
    while todo:
        for needed in needs(todo.pop()) - found:
            found.add(needed)
            todo.append(needed)
    return found


def _providers(packages: dict[str, Package], installed: set[str]) -> dict[str, set]:
    """virtual package -> the installed packages that provide it."""
    providers = defaultdict(set)
    for name in installed:
        for provided, *_ in _names(packages[name].provides):
            providers[provided].add(name)
    return providers


def owners(paths: set[str]) -> dict[str, set[str]]:
    """path -> the Debian packages that installed it (``dpkg -S``)."""
    if not paths:
        return {}
    done = subprocess.run(
        ["dpkg", "-S", *sorted(paths)], capture_output=True, text=True, timeout=60
    )
    found = defaultdict(set)
    for line in done.stdout.splitlines():
        if line.startswith(("diversion by", "local diversion")) or ": " not in line:
            continue
        names, path = line.split(": ", 1)
        found[path].update(name.strip().split(":")[0] for name in names.split(","))
    return found


def _dpkg_spellings(path: str) -> set[str]:
    """The path as dpkg may record it: /usr/bin and /bin are one folder on a
    merged /usr, but dpkg keeps the name each package used."""
    spellings = set()
    for candidate in {path, os.path.realpath(path)}:
        spellings.add(candidate)
        for merged in ("/bin/", "/sbin/", "/lib/"):
            if candidate.startswith(merged):
                spellings.add("/usr" + candidate)
            elif candidate.startswith("/usr" + merged):
                spellings.add(candidate.removeprefix("/usr"))
    return spellings


def search_dirs() -> list[str]:
    """Where the suite looks for programs: the PATH, sbin, PostgreSQL's own
    bin (testkit.services.SEARCH_PATH, testkit.postgres)."""
    dirs = [d for d in SEARCH_PATH.split(os.pathsep) if d]
    return [*dirs, *sorted(glob("/usr/lib/postgresql/*/bin"), reverse=True)]


def candidates(name: str, folders: list[str]) -> list[str]:
    """Every program called ``name`` in ``folders`` (not only the first: a
    copy put first by hand must not hide the Debian one, nor stand for it)."""
    if name.startswith("/"):
        return [name] if os.access(name, os.X_OK) else []
    found = []
    for folder in dict.fromkeys(folders):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and os.access(path, os.X_OK) and path not in found:
            found.append(path)
    return found


def where_used(uses: list[Use], limit: int = 6) -> str:
    places = sorted({use.where for use in uses})
    more = f" and {len(places) - limit} more" if len(places) > limit else ""
    return ", ".join(places[:limit]) + more


def _dpkg_query() -> dict[str, Package]:
    if shutil.which("dpkg-query") is None or shutil.which("dpkg") is None:
        missing("dpkg not found: which package provides a command is known on Debian")
    done = subprocess.run(
        ["dpkg-query", "-W", "-f", DPKG_FORMAT],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return parse_packages(done.stdout)


def check(
    uses: list[Use], packages: dict[str, Package], folders: list[str] | None = None
) -> tuple[list[str], list[str]]:
    """(problems, commands not found): one line each, with where used."""
    folders = search_dirs() if folders is None else folders
    wanted = set(apt_packages())
    allowed = closure(packages, wanted)
    by_name = _outside_the_venv(uses)
    found = {name: candidates(name, folders) for name in by_name}
    packages_of = _packages_of(found)
    problems, not_found = [], []
    for name, name_uses in sorted(by_name.items()):
        used = f"used at {where_used(name_uses)}"
        if not found[name]:
            not_found.append(f"{name}: not found; {used}")
        elif not packages_of[name].keys() & allowed:
            problems.append(_problem(name, packages_of[name], found[name][0], used))
    return problems, not_found


def _packages_of(found: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """name -> {package: path}: the Debian packages that installed the files
    a command's name may run."""
    paths = {p: _dpkg_spellings(p) for paths in found.values() for p in paths}
    owned = owners({s for spellings in paths.values() for s in spellings})
    return {
        name: {
            package: path
            for path in candidates
            for package in _packages(paths[path], owned)
        }
        for name, candidates in found.items()
    }


def _packages(spellings: list[str], owned: dict[str, set[str]]) -> set[str]:
    """The packages that installed a file, whichever spelling dpkg knows."""
    return {package for spelling in spellings for package in owned.get(spelling, ())}


def _outside_the_venv(uses: list[Use]) -> dict[str, list[Use]]:
    """name -> its uses, for the external commands the venv does not bring."""
    venv_tools = set(os.listdir(VENV_BIN))
    by_name = defaultdict(list)
    for use in external(uses):
        if use.name not in venv_tools and use.name not in ALWAYS_THERE:
            by_name[use.name].append(use)
    return by_name


def _problem(name: str, packages_of: dict[str, str], first: str, used: str) -> str:
    """What is wrong with a command no package of a new machine brings."""
    if packages_of:
        listed = ", ".join(f"{path} is in {pkg}" for pkg, path in packages_of.items())
        return (
            f"{name}: {listed}, which APT_PACKAGES does not bring "
            f"(add it to the Makefile's APT_PACKAGES); {used}"
        )
    return (
        f"{name}: {first} is from no Debian package (installed by "
        f"hand: a new machine has none); pin it in requirements.txt, add "
        f"a package that has it to APT_PACKAGES, or do without; {used}"
    )


# The tests


@pytest.fixture(scope="module")
def uses() -> list[Use]:
    return collect()


def test_no_tool_of_the_virtual_environment_is_called_by_its_bare_name(uses):
    offenders = bare_venv_tools(uses, set(os.listdir(VENV_BIN)))
    assert not offenders, (
        "tools of the virtual environment called by name, which make run and "
        "make test do not put on the PATH (they find another copy, or none): "
        "call them by path, Path(sys.executable).parent / NAME, or uv's "
        "find_uv_bin(), and python as sys.executable:\n"
        + "\n".join(
            f"  {name}: {where_used(found, 20)}" for name, found in offenders.items()
        )
    )


def test_every_external_command_comes_from_what_a_new_machine_installs(uses):
    packages = _dpkg_query()
    problems, not_found = check(uses, packages)
    hint = (
        "A new machine has python3, make, git, Debian's essential and required "
        "packages, the Makefile's APT_PACKAGES (make services) with their "
        "dependencies, and the virtual environment (requirements.txt)."
    )
    if problems:
        pytest.fail("\n".join([hint, *problems, *not_found]), pytrace=False)
    if not_found:
        absent = [
            p
            for p in apt_packages()
            if not packages.get(p, Package(False, False, "", "")).installed
        ]
        if absent and not services_required():
            missing(
                f"{len(not_found)} commands not found, and make services has not "
                f"run (not installed: {' '.join(absent)}): {not_found[0]}"
            )
        pytest.fail(
            "\n".join(
                [
                    hint,
                    "Not found (add the package that has it to "
                    "APT_PACKAGES, or pin it in requirements.txt):",
                    *not_found,
                ]
            ),
            pytrace=False,
        )


def test_the_scan_sees_every_kind_of_source(uses):
    # A scanner gone blind would pass everything: each kind still finds one.
    sources = {(use.name, use.where.split(":")[0]) for use in uses}
    for expected in [
        ("bash", "testkit/readme.py"),  # a list literal
        ("nginx", "testkit/services.py"),  # find_binary
        ("setpriv", "testkit/postgres.py"),  # *run_as() before the program
        ("curl", "chapter06/README.md"),  # console block, in a pipe
        ("jq", "chapter06/README.md"),  # in a wait-for's $(...)
        ("sed", "Makefile"),  # $(shell ...)
        ("apt-get", "Makefile"),  # a recipe's if ... then ... else
        ("wc", "chapter07/secure_code/shell_command.py"),  # shell=True f-string
    ]:
        assert expected in sources, expected


def test_the_helpers_still_exist():
    # A renamed helper would silently leave its calls unscanned.
    for qualified, (position, keyword, _) in RUNNERS.items():
        module, _, name = qualified.rpartition(".")
        path = ROOT / HELPER_FILES.get(qualified, module.replace(".", "/") + ".py")
        if not path.exists() and not HELPER_FILES.get(qualified):
            assert not module.startswith(("testkit", "chapter")), qualified
            continue  # the standard library's
        parameters = _parameters(path, name)
        assert parameters is None or parameters[position] == keyword, qualified


def _parameters(path: Path, name: str) -> list[str] | None:
    """The parameters of function ``name`` of ``path``; None for a class
    (a dataclass's fields are its parameters). A StopIteration if none."""
    tree = ast.parse(path.read_text())
    definition = next(
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name
    )
    if not isinstance(definition, ast.FunctionDef):
        return None
    if name == "server_process":  # a fixture: the function it yields
        definition = next(n for n in definition.body if isinstance(n, ast.FunctionDef))
    return [a.arg for a in definition.args.args]


# The scanner on its own


def names_in(source: str) -> set[str]:
    return {use.name for use in python_uses(source, "snippet.py")}


def test_uv_by_its_bare_name_is_flagged():
    source = """
import shutil, subprocess
from chapter09.deploy import run

def lock(project):
    return ["uv", "pip", "compile", project]

subprocess.run(["uv", "pip", "install"])
subprocess.run(lock("x"), check=True)
uv = shutil.which("uv")
run(["uv", "venv"])
"""
    uses = python_uses(source, "snippet.py")
    assert [use.where for use in uses if use.name == "uv"] == [
        "snippet.py:8", "snippet.py:9", "snippet.py:10", "snippet.py:11"
    ]  # fmt: skip
    assert bare_venv_tools(uses, {"uv", "python"}).keys() == {"uv"}
    # By name in the Makefile too; a README's reader has the venv activated.
    elsewhere = [Use("uv", "Makefile:1", "make"), Use("uv", "README.md:1", "readme")]
    assert bare_venv_tools(elsewhere, {"uv"})["uv"] == elsewhere[:1]


def test_a_tool_called_by_its_path_is_not_a_bare_name():
    source = """
import subprocess, sys
from pathlib import Path
from uv import find_uv_bin
subprocess.run([find_uv_bin(), "pip", "install"])
subprocess.run([Path(sys.executable).parent / "uv", "venv"])
subprocess.run([sys.executable, "-m", "pip"])
"""
    assert names_in(source) == set()


def test_a_command_of_a_debian_package_is_accepted():
    packages = _dpkg_query()
    uses = python_uses('import subprocess\nsubprocess.run(["ls", "-l"])', "snippet.py")
    assert [use.name for use in uses] == ["ls"]
    assert check(uses, packages) == ([], [])  # coreutils: Essential


def test_a_command_no_listed_package_brings_is_not(tmp_path):
    packages = _dpkg_query()
    # As if coreutils were neither essential nor needed by APT_PACKAGES.
    alone = {"coreutils": Package(True, False, "", "")}
    (problem,), _ = check([Use("ls", "snippet.py:1", "python")], alone)
    assert "is in coreutils, which APT_PACKAGES does not bring" in problem
    assert "snippet.py:1" in problem
    # Installed by hand: in a folder of the PATH, from no package.
    handmade = tmp_path / "handmade-tool"
    handmade.write_text("#!/bin/sh\n")
    handmade.chmod(0o755)
    use = Use("handmade-tool", "snippet.py:2", "python")
    (problem,), _ = check([use], packages, [str(tmp_path)])
    assert "is from no Debian package" in problem
    assert check([Use("no-such-tool-x", "s.py:3", "python")], packages, []) == (
        [], ["no-such-tool-x: not found; used at s.py:3"]
    )  # fmt: skip


def test_the_dependency_closure():
    packages = {
        "curl": Package(True, False, ", libcurl4 (>= 8), libc6:any | musl", ""),
        "libcurl4": Package(True, False, "libssl3, mail-transport-agent, ", ""),
        "libssl3": Package(True, False, ", ", ""),
        "exim": Package(True, False, ", ", "mail-transport-agent (= 1)"),
        "libc6": Package(True, False, ", ", ""),
        "coreutils": Package(True, True, ", ", ""),
        "jq": Package(True, False, ", ", ""),
        "musl": Package(False, False, ", ", ""),
    }
    assert closure(packages, {"curl"}) == {
        "curl", "libcurl4", "libssl3", "exim", "libc6", "coreutils"
    }  # fmt: skip


def test_shell_lines_give_their_commands():
    assert shell_words("FOO=1 BAR='a b' flask run 2>&1 | tail -1") == ["flask", "tail"]
    assert shell_words('etag=$(curl -si "$url" | grep -i etag | cut -d" " -f2)') == [
        "curl", "grep", "cut"
    ]  # fmt: skip
    assert shell_words("for i in $(seq 3); do curl -s x; done | sort | uniq -c") == [
        "seq", "curl", "sort", "uniq"
    ]  # fmt: skip
    assert shell_words("jq -r '.[] | $(not a command)' f && (echo > /dev/tcp/x)") == [
        "jq", "echo"
    ]  # fmt: skip
    line = "if ! command -v apt-get >/dev/null; then env A=1 make x; fi # uv"
    assert shell_words(line) == ["command", "apt-get", "env", "make"]
    assert shell_words('test "$(curl -s "u?t=$t" | jq length)" = 5') == [
        "curl", "jq", "test"
    ]  # fmt: skip
