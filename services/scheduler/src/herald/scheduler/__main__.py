from herald.runtime.serve import serve
from herald.scheduler.main import create_app
from herald.scheduler.settings import SchedulerSettings

if __name__ == "__main__":
    settings = SchedulerSettings()
    serve(lambda: create_app(settings), settings)
