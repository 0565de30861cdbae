"""Chapter 1, 'Understanding microservices', and chapter 12, 'What's next?'.

One tiny JSON service written five ways (WSGI, gevent, Twisted, Tornado,
asyncio with aiohttp) and a benchmark that runs the five side by side.
"""
