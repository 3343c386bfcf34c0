from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def rank(request):
    return JSONResponse([])


application = Starlette(routes=[Route("/rank", rank, methods=["POST"])])
