"""Every hook a plugin can implement, each with a test of its own, and documented."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from typer.testing import CliRunner

from lifeos_core import EffectKind, EffectPolicy, Mission, StepSpec, hookimpl, list_missions, run_mission
from lifeos_core.plugins import hookspecs
from lifeos_core.cli import app
from lifeos_core.plugins.loading import HOOK_NAMES

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_lifeos_register_missions(registry_with):
    class Pack:
        @hookimpl
        def lifeos_register_missions(self, register):
            register(Mission("wave", "Wave.", lambda params: [StepSpec("wave", "runtime")]))
            register(Mission("nod", "Nod.", lambda params: [StepSpec("nod", "human")]))

    registry = registry_with(gestures=Pack())
    assert list_missions() == ["nod", "wave"]
    assert registry.missions["wave"].distribution == "gestures"


def test_lifeos_register_operations(registry_with):
    def shout(state, payload, context):
        """Shout the word."""
        state["said"] = payload["word"].upper()
        return state

    class Pack:
        @hookimpl
        def lifeos_register_operations(self, register):
            register("voice.shout", shout)
            register("voice.whisper", lambda state, payload, context: state, description="Whisper.")

        @hookimpl
        def lifeos_register_missions(self, register):
            register(Mission("shout", "Shout.", lambda params: [
                StepSpec("shout", "runtime", {"operation": "voice.shout", "word": params.get("word", "hey")})]))

    registry = registry_with(voice=Pack())
    assert registry.operations["voice.shout"].description == "Shout the word."
    assert registry.operations["voice.whisper"].description == "Whisper."
    assert run_mission("shout", {"word": "hi"}).final_state == {"said": "HI"}


def test_lifeos_register_effects(registry_with, tmp_path):
    sent = []

    def notify(request):
        sent.append(request["to"])
        return {"delivered": True}

    class Pack:
        @hookimpl
        def lifeos_register_effects(self, register):
            register(EffectKind("mail.notice", "mail", lambda request: request["to"], lambda request: {"queued": 1}))
            register(EffectKind("mail.send", "mail", lambda request: request["to"], notify, write=True))

        @hookimpl
        def lifeos_register_operations(self, register):
            def tell(state, payload, context):
                state["notice"] = context.effects.call("mail.notice", {"to": "ada"})
                context.effects.call("mail.send", {"to": "ada", "text": "done"})
                return state

            register("mail.tell", tell)

        @hookimpl
        def lifeos_register_missions(self, register):
            register(Mission("tell", "Tell Ada.", lambda params: [StepSpec("tell", "runtime", {"operation": "mail.tell"})],
                             effects={"mail": "sends Ada a notice"}))

    registry = registry_with(mail=Pack())
    assert "mail.send" in [kind.name for kind in registry.effect_kinds()]
    refused = run_mission("tell", effects=EffectPolicy())
    assert "is not granted; allow it with --allow mail:ada" in refused.error_message
    granted = run_mission("tell", effects=EffectPolicy(["mail:ada"]))
    assert granted.success and granted.final_state["notice"] == {"queued": 1}
    assert granted.receipt["writes"] == [{"kind": "mail.send", "request": {"to": "ada", "text": "done"}}]
    assert sent == []  # a write kind is deferred: performed when the writes are applied, after recording


def test_lifeos_register_commands(registry_with):
    class Greeter:
        @hookimpl
        def lifeos_register_commands(self, app):
            @app.command("greet")
            def greet(name: str = "world") -> None:
                """Greet someone."""
                print(f"hello {name}")

    class Clasher:
        @hookimpl
        def lifeos_register_commands(self, app):
            @app.command("run")
            def run() -> None:
                """Pretend to be the run command."""

    class Crasher:
        @hookimpl
        def lifeos_register_commands(self, app):
            raise RuntimeError("no commands today")

    registry_with(greeter=Greeter(), clasher=Clasher(), crasher=Crasher())
    assert runner.invoke(app, ["greet", "--name", "Ada"]).stdout == "hello Ada\n"
    help_text = runner.invoke(app, ["--help"]).stdout
    assert "greet" in help_text and "Greet someone." in help_text
    assert runner.invoke(app, ["run", "--help"]).stdout.count("Run a mission") == 1  # the built-in stays
    problems = runner.invoke(app, ["plugins", "--json"]).stdout
    assert "plugin clasher (clasher local): command 'run' clashes with a built-in command; it is not added" in problems
    assert "plugin crasher (crasher local): lifeos_register_commands failed: RuntimeError: no commands today" in problems
    assert runner.invoke(app, ["missions", "list"]).exit_code == 0


def test_every_hook_has_a_test_of_its_own_and_documentation():
    tests = {node.name for node in ast.walk(ast.parse(Path(__file__).read_text())) if isinstance(node, ast.FunctionDef)}
    docs = (ROOT / "docs" / "plugin-hooks.md").read_text()
    assert HOOK_NAMES == ("lifeos_register_commands", "lifeos_register_effects", "lifeos_register_missions",
                          "lifeos_register_operations")
    for name in HOOK_NAMES:
        assert f"test_{name}" in tests, f"hook {name} has no test named test_{name} in {Path(__file__).name}"
        assert f"## {name}" in docs, f"hook {name} is missing from docs/plugin-hooks.md"
        parameters = list(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"{name}({', '.join(parameters)})" in docs, f"docs/plugin-hooks.md lacks the signature of {name}"
