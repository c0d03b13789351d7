"""The normaliser hides asset hashes, and nothing else."""
from normalise import asset_hashes, normalise

A, B, C = "a" * 64, "b" * 64, "c" * 64


def function(key: str, **extra) -> dict:
    return {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Bucket": "bucket", "S3Key": key}, **extra}}


def template(*resources: dict, token: str = "1" * 64) -> dict:
    out = {f"R{i}": r for i, r in enumerate(resources)}
    out["Script"] = {"Type": "Custom::DeploymentScript", "Properties": {"RunToken": token}}
    return {"Resources": out}


def test_asset_hashes_become_placeholders_in_order():
    assert normalise(template(function(f"{A}.zip"), function(f"{B}.zip"))) == \
        normalise(template(function(f"{C}.zip"), function(f"{A}.zip")))
    assert asset_hashes(template(function(f"{A}.zip"), function(f"{B}.zip"))) == [A, B]


def test_the_pattern_of_use_must_match():
    # One asset used twice is not two assets.
    assert normalise(template(function(f"{A}.zip"), function(f"{A}.zip"))) != \
        normalise(template(function(f"{A}.zip"), function(f"{B}.zip")))


def test_anything_but_an_asset_hash_is_compared():
    assert normalise(template(function(f"{A}.zip"))) != normalise(template(function(f"{A}.jar")))
    assert normalise(template(function(f"{A}.zip", Handler="a"))) != normalise(template(function(f"{B}.zip", Handler="b")))
    assert normalise(template(function("x" + A[1:] + ".zip"))) != normalise(template(function(f"{A}.zip")))
    # A hash under another key stays as it is.
    assert normalise(template(function(f"{A}.zip", Description=A))) != normalise(template(function(f"{A}.zip", Description=B)))


def test_run_tokens_only_when_asked():
    assert normalise(template(token=A)) != normalise(template(token=B))
    assert normalise(template(token=A), run_tokens=True) == normalise(template(token=B), run_tokens=True)
    # A run token that is not a hash (a policy's own value) is compared even then.
    assert normalise(template(token="x"), run_tokens=True) != normalise(template(token="y"), run_tokens=True)
