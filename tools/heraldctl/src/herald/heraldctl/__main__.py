from herald.heraldctl.main import app

app(prog_name="heraldctl")
