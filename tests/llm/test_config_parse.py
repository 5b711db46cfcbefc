"""`LLMConfig.from_env` and the tolerant JSON parser."""

from __future__ import annotations

import pytest

from mags.core.errors import InvalidInputError
from mags.llm import LLMConfig, LLMParseError, extract_json


def test_mags_variables_win_over_openai_ones():
    env = {
        "MAGS_LLM_BASE_URL": "http://mags/v1",
        "OPENAI_BASE_URL": "http://openai/v1",
        "MAGS_LLM_API_KEY": "mags-key",
        "OPENAI_API_KEY": "openai-key",
        "MAGS_LLM_MODEL": "m",
    }
    config = LLMConfig.from_env(env)
    assert (config.base_url, config.api_key, config.model) == ("http://mags/v1", "mags-key", "m")
    assert (config.timeout_s, config.max_retries, config.max_concurrency) == (30.0, 3, 4)
    assert config.temperature == 0


def test_openai_variables_are_the_fallback_and_blank_counts_as_unset():
    env = {
        "MAGS_LLM_BASE_URL": "  ",
        "OPENAI_BASE_URL": "http://openai/v1",
        "OPENAI_API_KEY": "sk-1",
        "MAGS_LLM_MODEL": "gpt-4o-mini",
    }
    config = LLMConfig.from_env(env, max_concurrency=8)
    assert (config.base_url, config.api_key, config.max_concurrency) == (
        "http://openai/v1",
        "sk-1",
        8,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"MAGS_LLM_BASE_URL": "http://h/v1"}, "MAGS_LLM_MODEL"),
        ({"MAGS_LLM_MODEL": "m"}, "MAGS_LLM_BASE_URL"),
        ({}, "MAGS_LLM_MODEL"),
    ],
)
def test_a_missing_setting_names_the_variable_to_set(env: dict[str, str], variable: str):
    with pytest.raises(InvalidInputError, match=variable):
        LLMConfig.from_env(env)


@pytest.mark.parametrize(
    ("field", "value"),
    [("timeout_s", 0), ("timeout_s", float("nan")), ("max_retries", -1), ("max_concurrency", 0)],
)
def test_bad_settings_are_refused(field: str, value: float):
    with pytest.raises(InvalidInputError, match=field):
        LLMConfig("http://h/v1", "k", "m", **{field: value})


def test_config_is_frozen():
    config = LLMConfig("http://h/v1", "k", "m")
    with pytest.raises(AttributeError):
        config.model = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": {"b": [1, {"c": 2}]}}', {"a": {"b": [1, {"c": 2}]}}),
        ("<THINK>\n{not json}\n</THINK>\n[1, 2]", [1, 2]),
        ("<think>a</think><think>b</think>{}", {}),
        ('```\nnot json\n```\n```json\n{"x": 1}\n```', {"x": 1}),
        ('Answer: {"x": "a } in a string"} -- done', {"x": "a } in a string"}),
        ('I saw [a cat]. {"x": 1}', {"x": 1}),
    ],
)
def test_extract_json_tolerates_wrappers(text: str, expected: object):
    assert extract_json(text) == expected


@pytest.mark.parametrize("text", ["", "<think>only thoughts</think>", '{"a": 1,', "null-ish"])
def test_extract_json_refuses_text_without_json(text: str):
    with pytest.raises(LLMParseError, match="no JSON found in the reply"):
        extract_json(text)


def test_the_parse_error_quotes_a_long_reply_truncated():
    with pytest.raises(LLMParseError) as caught:
        extract_json("no json here " * 200)
    assert "more characters" in str(caught.value) and len(str(caught.value)) < 500
