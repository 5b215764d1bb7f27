from herald.dispatcher.main import create_app
from herald.dispatcher.settings import DispatcherSettings
from herald.runtime.serve import serve

if __name__ == "__main__":
    settings = DispatcherSettings()
    serve(lambda: create_app(settings), settings)
