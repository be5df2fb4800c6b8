"""CLI behaviour: one-line errors with a non-zero exit, nothing half-written, --list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from generator.cli import main
from tests.studies import simple, sqlite_study


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, fragment: str) -> None:
    assert code != 0
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert fragment in err
    assert "Traceback" not in err


@pytest.fixture
def two_studies(tmp_path: Path) -> str:
    url = sqlite_study(tmp_path / "two.db", "alpha", simple, ["maximize"])
    optuna.create_study(study_name="beta", storage=url)
    return url


def test_list_prints_studies_with_counts(capsys, two_studies: str) -> None:
    code, out, _ = run(capsys, "--storage", two_studies, "--list")
    assert code == 0
    assert out.splitlines() == [
        "alpha\t12 trials (12 complete, 0 pruned, 0 fail, 0 running, 0 waiting)",
        "beta\t0 trials (0 complete, 0 pruned, 0 fail, 0 running, 0 waiting)",
    ]


def test_missing_study_with_several_lists_them(capsys, two_studies: str, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, _, err = run(capsys, "--storage", two_studies, "--out", str(out_dir))
    assert_one_line_error(code, err, "choose one with --study: 'alpha', 'beta'")
    assert not out_dir.exists()


def test_unknown_study_lists_available(capsys, two_studies: str, tmp_path: Path) -> None:
    code, _, err = run(capsys, "--storage", two_studies, "--study", "gamma", "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, "no study named 'gamma'")
    assert "available: 'alpha', 'beta'" in err
    assert not (tmp_path / "o").exists()


def test_empty_study_is_an_error(capsys, two_studies: str, tmp_path: Path) -> None:
    code, _, err = run(capsys, "--storage", two_studies, "--study", "beta", "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, "has no trials yet")
    assert not (tmp_path / "o" / "report").exists() or not any((tmp_path / "o" / "report").rglob("*"))


def test_unreachable_server(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "--storage", "postgresql://nobody:hunter2@127.0.0.1:1/none", "--out", str(tmp_path))
    assert_one_line_error(code, err, "cannot connect to postgresql://nobody@127.0.0.1:1/none")
    assert "hunter2" not in err


def test_not_an_optuna_sqlite(capsys, tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE notes (x)").connection.close()
    code, _, err = run(capsys, "--storage", str(path), "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, "holds no Optuna tables")


def test_bad_flags_are_collected_into_one_line(capsys, two_studies: str) -> None:
    code, _, err = run(
        capsys,
        "--storage",
        two_studies,
        "--study",
        "alpha",
        "--alpha",
        "2",
        "--correction",
        "magic",
        "--renderer",
        "word",
    )
    assert_one_line_error(code, err, "--alpha must be between 0 and 1")
    assert "--correction must be one of" in err
    assert "--renderer must be one of auto, builtin, quarto, got 'word'" in err


def test_objective_out_of_range(capsys, two_studies: str, tmp_path: Path) -> None:
    code, _, err = run(
        capsys, "--storage", two_studies, "--study", "alpha", "--objective", "3", "--out", str(tmp_path / "o")
    )
    assert_one_line_error(code, err, "--objective 3 is out of range")
    assert not list((tmp_path / "o").rglob("findings.json"))


def test_real_process_prints_no_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--storage", str(junk), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: ") and "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["module", "console script"])
def test_a_report_prints_one_line_and_nothing_on_stderr(command: str, tmp_path: Path) -> None:
    """Piped, a run says what it wrote on stdout and nothing else: no library log lines. Both
    entry points end with ``os._exit`` (cli.run): the buffered line must still come out."""
    from tests.studies import AWKWARD

    url = sqlite_study(tmp_path / "s.db", "s", AWKWARD["seed_shaped"][0], ["maximize"])
    script = Path(sys.executable).parent / "generate-report"
    argv = [sys.executable, "-m", "generator"] if command == "module" else [str(script)]
    if not script.exists() and command != "module":
        pytest.skip("the generate-report console script is not installed beside this Python")
    result = subprocess.run(
        [*argv, "--storage", url, "--study", "s", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1 and result.stdout.startswith("wrote report/s/")
    assert "for study 's';" in result.stdout


def test_every_setting_round_trips_through_the_reproduce_command() -> None:
    """Each AnalysisConfig field has its flag: a config with every field changed, written as
    the report's reproduce command and parsed again, is the same config."""
    import dataclasses
    import shlex

    from generator.cli import _configs, _parser
    from generator.cli_flags import reproduce_command
    from generator.config import AnalysisConfig

    changed = AnalysisConfig(
        objective=1,
        alpha=0.01,
        suggestive_alpha=0.2,
        correction="fdr_bh",
        elite_quantile=0.2,
        baseline=0.1,
        seed=3,
        n_bootstrap=100,
        charts=True,
        export=("png", "svg"),
        chart_max_points=500,
        contour_pairs=2,
        contour_bins=6,
        chart_top_params=4,
        importance_min_trials=8,
        importance_resamples=100,
        top_quantile_resamples=10,
        interaction_params=3,
        refine_fix_share=0.9,
        refine_fix_tier="suggestive",
        refine_padding=0.2,
        refine_min_elites=4,
        refine_expand_share=0.6,
        refine_max_decades=2.0,
        refine_min_trials=12,
        gain_samples=500,
        gain_cv_folds=4,
        gain_min_r2=0.3,
        gain_resamples=50,
        include_pruned=True,
    )
    defaults = AnalysisConfig()
    assert all(
        getattr(changed, f.name) != getattr(defaults, f.name)
        for f in dataclasses.fields(AnalysisConfig)
        if f.name != "charts"
    ), "the test changes every field (charts is covered below)"
    for config in (changed, dataclasses.replace(defaults, charts=False)):
        argv = shlex.split(reproduce_command("s", "s.db", config))[1:]
        assert _configs(_parser().parse_args(argv))[0] == config


def test_a_library_caller_gets_the_error_the_cli_prints(capsys, two_studies: str) -> None:
    """The checks live in the config: AnalysisConfig(alpha=2) raises the very line `--alpha 2` prints."""
    from generator.config import AnalysisConfig, SiteConfig
    from generator.errors import UserError

    cases = [
        (["--alpha", "2"], lambda: AnalysisConfig(alpha=2)),
        (["--alpha", "0.2"], lambda: AnalysisConfig(alpha=0.2)),  # above the suggestive 0.10
        (["--correction", "magic"], lambda: AnalysisConfig(correction="magic")),
        (["--export", "png,bmp", "--no-charts"], lambda: AnalysisConfig(export=("png", "bmp"), charts=False)),
        (["--contour-bins", "1", "--objective", "-1"], lambda: AnalysisConfig(contour_bins=1, objective=-1)),
        (["--refine-fix-tier", "weak"], lambda: AnalysisConfig(refine_fix_tier="weak")),
        (["--gain-min-r2", "1.5"], lambda: AnalysisConfig(gain_min_r2=1.5)),
        (["--renderer", "word"], lambda: SiteConfig(renderer="word")),
    ]
    for flags, build in cases:
        with pytest.raises(UserError) as raised:
            build()
        code, out, err = run(capsys, "--storage", two_studies, "--study", "alpha", *flags)
        assert_one_line_error(code, err, str(raised.value))
        assert err == f"error: {raised.value}\n" and out == ""


def test_every_config_field_has_a_flag_with_its_metadata() -> None:
    """The parser is generated from the configs: each field is a flag whose help and choices
    come from the field's metadata, and --help states each default."""
    import dataclasses

    from generator.cli import _parser
    from generator.config import AnalysisConfig, SiteConfig, flag_name

    parser = _parser()
    actions = {a.dest: a for a in parser._actions}
    text = parser.format_help()
    for cls in (AnalysisConfig, SiteConfig):
        for f in dataclasses.fields(cls):
            action = actions[f.name]
            assert action.option_strings == [flag_name(f)]
            assert action.help is not None and action.help.startswith(f.metadata["help"])
            assert all(choice in action.help for choice in f.metadata["choices"])
            style = f.metadata["style"]
            if style in ("negate", "switch"):
                # a switch flips its default: a --no-X of a default-False field would do nothing
                assert f.default is (style == "negate")
            else:
                assert "(default: " in action.help and action.default == f.default
            assert flag_name(f) in text


def test_reproduce_command_is_the_parsers_inverse_for_each_field_alone() -> None:
    """One field changed at a time: the reproduce command names only that flag and parses back."""
    import dataclasses
    import shlex

    from generator.cli import _configs, _parser
    from generator.cli_flags import reproduce_command
    from generator.config import AnalysisConfig, flag_name

    assert reproduce_command("s", "s.db", AnalysisConfig()) == "generate-report --study s --storage s.db"
    other = {bool: lambda v: not v, int: lambda v: v + 1, float: lambda v: v / 2, str: None}
    for f in dataclasses.fields(AnalysisConfig):
        if f.metadata["choices"]:
            value = f.metadata["choices"][:1] if f.metadata["style"] == "list" else f.metadata["choices"][-1]
        elif f.default is None:
            value = 1
        else:
            value = other[type(f.default)](f.default)
        config = AnalysisConfig(**{f.name: value})
        argv = shlex.split(reproduce_command("s", "s.db", config))[5:]
        assert argv[0] == flag_name(f), argv
        assert _configs(_parser().parse_args(argv))[0] == config


def test_a_bad_value_in_a_real_process_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--storage", str(tmp_path / "x.db"), "--gain-cv-folds", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == "error: --gain-cv-folds must be 2 or more, got 1\n"
    assert result.stdout == ""
