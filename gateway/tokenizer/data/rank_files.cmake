# SHA-256 of the rank files the build embeds (the published digests of OpenAI's cl100k_base and
# o200k_base). The build fails when the npm package delivers anything else.
set(NEXUS_TOKENIZER_SHA256_cl100k_base 223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7)
set(NEXUS_TOKENIZER_SHA256_o200k_base 446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d)
