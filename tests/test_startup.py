"""The garbage collector is off while `analytics` starts up, and on again for the command."""

import gc

import pytest

from analytics import cli, startup


def test_the_collector_is_off_inside_and_on_after_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), startup.collector_off():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_a_command_runs_with_the_collector_on_and_its_imports_loaded(monkeypatch):
    seen = {}

    def run(args) -> int:
        import sys

        seen["collecting"] = gc.isenabled()
        seen["imported"] = all(name in sys.modules for name in args.imports)
        return 0

    parser = cli._parser()
    monkeypatch.setattr(cli, "_parser", lambda: parser)
    refresh = parser._subparsers._group_actions[0].choices["refresh"]
    refresh.set_defaults(run=run)
    assert cli.main(["refresh"]) == 0
    assert seen == {"collecting": True, "imported": True}


def test_help_leaves_the_collector_on():
    with pytest.raises(SystemExit):
        cli.main(["refresh", "--help"])
    assert gc.isenabled()
