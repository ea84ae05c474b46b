"""flask --app bot users add / list / disable."""
import pytest

from bot.web.accounts import AccountError


def test_add_list_disable(app):
    """An account made from the command line can log in; list shows it; disable stops it."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "add", "Ana@Example.org", "--role", "volunteer", "--lang", "es",
                                 "--lang", "quc"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "added ana@example.org (volunteer; speaks es, quc)" in result.output
    accounts = app.extensions["accounts"]
    assert accounts.verify("ana@example.org", "a long enough password").langs == ["es", "quc"]

    listing = runner.invoke(args=["users", "list"])
    assert "ana@example.org" in listing.output and "volunteer" in listing.output and "es,quc" in listing.output

    assert runner.invoke(args=["users", "disable", "ana@example.org"]).exit_code == 0
    assert accounts.verify("ana@example.org", "a long enough password") is None
    assert "DISABLED" in runner.invoke(args=["users", "list"]).output


@pytest.mark.parametrize("args, stdin, message", [
    (["users", "add", "not-an-email", "--role", "staff"], "a long enough password\n", "not an email address"),
    (["users", "add", "a@example.org", "--role", "staff"], "short\n", "at least 10 characters"),
    (["users", "add", "a@example.org", "--role", "boss"], "a long enough password\n", "Invalid value for '--role'"),
    (["users", "add", "a@example.org", "--role", "staff"], "", "no password on standard input"),
    (["users", "add", "a@example.org", "--role", "staff", "--phone", "555"], "a long enough password\n",
     "international form"),
    (["users", "disable", "nobody@example.org"], "", "no account for nobody@example.org"),
])
def test_bad_input_is_explained(app, args, stdin, message):
    """Every mistake gets a message saying what is wrong, and exit status 1 or 2."""
    result = app.test_cli_runner().invoke(args=args, input=stdin)
    assert result.exit_code in (1, 2) and message in result.output, result.output


def test_an_email_has_one_account(app):
    """Adding the same email twice is refused, whatever its case."""
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "add", "sam@example.org", "--role", "staff"], input="a long enough password\n")
    again = runner.invoke(args=["users", "add", "SAM@example.org", "--role", "volunteer"],
                          input="another long password\n")
    assert again.exit_code == 1 and "already has an account" in again.output
    assert app.extensions["accounts"].get("sam@example.org").role == "staff"


def test_volunteer_phone_is_kept_encrypted(app):
    """A volunteer's on-call phone number is stored encrypted."""
    accounts = app.extensions["accounts"]
    account = accounts.add("ben@example.org", "volunteer", "a long enough password", phone="+1 505 555 0199",
                           on_call=True)
    assert "5550199" not in str(accounts.store.user("ben@example.org"))
    assert accounts.phone_of(account) == "+15055550199" and account.on_call
    with pytest.raises(AccountError):
        accounts.add("c@example.org", "volunteer", "a long enough password", langs=["fr"])


def test_password_is_asked_twice_at_a_terminal(settings, redis_url):
    """At a terminal the password is asked twice, hidden; a mismatch asks again."""
    import os
    import pty
    import select
    import sys
    import time

    from bot import create_app
    env = {**os.environ, **{k: str(v) for k, v in settings.items()}, "FLASK_APP": "bot"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the flask command, with the pseudo-terminal as its terminal
        os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        os.execvpe(sys.executable, [sys.executable, "-m", "flask", "users", "add", "tty@example.org",
                                    "--role", "staff"], env)
    output, seen, deadline = b"", 0, time.monotonic() + 30

    def read_until(marker):
        """Read the terminal until marker appears after what was already answered."""
        nonlocal output, seen
        while marker not in output[seen:]:
            assert time.monotonic() < deadline, output.decode(errors="replace")
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    output += os.read(fd, 1024)
                except OSError:  # the child has exited
                    break
        seen = output.index(marker, seen) + len(marker)

    for prompt, answer in ((b"Password: ", "first password!"), (b"Repeat for confirmation: ", "second password"),
                           (b"do not match", None), (b"Password: ", "the good password"),
                           (b"Repeat for confirmation: ", "the good password")):
        read_until(prompt)
        if answer:
            os.write(fd, answer.encode() + b"\n")
    read_until(b"added tty@example.org")
    os.waitpid(pid, 0)
    assert b"the good password" not in output  # hidden input is not echoed
    app = create_app(settings)
    assert app.extensions["accounts"].verify("tty@example.org", "the good password") is not None
