"""Chapter 1, 'Understanding microservices', and chapter 12, 'What next?'.

The smallest WSGI application; one tiny JSON service written six ways (WSGI,
gevent, Twisted, Tornado, aiohttp, Sanic) and a benchmark that runs the six
side by side; generators, coroutines and asyncio, the ideas underneath.
"""
