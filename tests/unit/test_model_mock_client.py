"""The suite's view of the model path: the mock's recorded requests and the backend's metrics."""

from stackcheck.model import ModelRequest, metric_values


def request(body: dict) -> ModelRequest:
    return ModelRequest(path="/v1beta/models/m:streamGenerateContent", model="m", stream=True, headers={}, body=body)


def test_tool_schemas_are_found_however_google_genai_names_them():
    schema = {"type": "object", "properties": {"symbol": {"type": "string"}}}
    for key in ("parameters_json_schema", "parametersJsonSchema", "parameters"):
        declared = request({"tools": [{"functionDeclarations": [{"name": "t", key: schema}]}]})
        assert declared.parameters("t") == schema
    assert request({"tools": [{"functionDeclarations": [{"name": "t"}]}]}).parameters("t") == {}


def test_the_instruction_and_the_function_responses_are_read_from_the_body():
    body = {"systemInstruction": {"parts": [{"text": "You are "}, {"text": "an analyst."}]},
            "contents": [{"role": "user", "parts": [{"text": "GOOG?"}]},
                         {"role": "user", "parts": [{"functionResponse": {"name": "t", "response": {"a": 1}}}]}]}
    assert request(body).system_instruction == "You are an analyst."
    assert request(body).function_responses == [{"name": "t", "response": {"a": 1}}]


def test_metric_values_keep_labels_as_exposed_and_skip_comments():
    text = ('# HELP model_errors_total x\n# TYPE model_errors_total counter\n'
            'model_errors_total{code="MODEL_TIMEOUT"} 2.0\nmodel_time_to_first_token_seconds_count 5.0\n')
    assert metric_values(text) == {'model_errors_total{code="MODEL_TIMEOUT"}': 2.0,
                                   "model_time_to_first_token_seconds_count": 5.0}
