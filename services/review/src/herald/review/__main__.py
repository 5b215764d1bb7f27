from herald.review.main import create_app
from herald.review.settings import ReviewSettings
from herald.runtime.serve import serve

if __name__ == "__main__":
    settings = ReviewSettings()
    serve(lambda: create_app(settings), settings)
