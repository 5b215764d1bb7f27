from herald.intake.main import create_app
from herald.intake.settings import IntakeSettings
from herald.runtime.serve import serve

if __name__ == "__main__":
    settings = IntakeSettings()
    serve(lambda: create_app(settings), settings)
