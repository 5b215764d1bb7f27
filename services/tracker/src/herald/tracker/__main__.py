from herald.runtime.serve import serve
from herald.tracker.main import create_app
from herald.tracker.settings import TrackerSettings

if __name__ == "__main__":
    settings = TrackerSettings()
    serve(lambda: create_app(settings), settings)
