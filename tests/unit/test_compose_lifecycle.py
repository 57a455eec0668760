"""The orphan rules and env handling of the stack lifecycle, without Docker."""

import os

from stackcheck import compose


def test_project_names_carry_the_creating_pid():
    name = compose.new_project_name()
    match = compose._PROJECT_RE.match(name)
    assert match and int(match.group(1)) == os.getpid()


def test_project_names_are_unique_per_call():
    assert compose.new_project_name() != compose.new_project_name()


def test_a_dead_pid_is_recognised():
    assert compose.pid_alive(os.getpid())
    assert not compose.pid_alive(2**22 + 12345)  # above pid_max: never a live process


def test_env_files_are_parsed_without_comments_or_blank_lines(tmp_path):
    path = tmp_path / "x.env"
    path.write_text("# comment\n\nA=1\nB = two words \nC=x=y\n")
    assert compose.read_env_file(path) == {"A": "1", "B": "two words", "C": "x=y"}


def test_a_port_block_is_free_consecutive_and_below_the_ephemeral_range():
    block = compose.free_port_block(4)
    assert block == list(range(block[0], block[0] + 4))
    assert block[-1] < 32768 and all(compose._free(p) for p in block)


def test_a_port_in_use_is_not_free():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert not compose._free(sock.getsockname()[1])
