# Build stage: install, typecheck-free bundle (CI already typechecks), one entry + chunks.
# The bundle is plain JavaScript, so it is built once on the builder's own platform (no emulation
# in a multi-platform build) and copied into each platform's run image.
FROM --platform=$BUILDPLATFORM fnproject/node:22-dev AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node scripts/build.ts

# Run stage: Fn's Node 22 image, the bundle only, an unprivileged user.
FROM fnproject/node:22
WORKDIR /function
COPY --from=build /src/dist/function/ ./
# V8's code cache for every handler, made by this image's own Node (the cache is keyed by the Node
# version and each file's content): cold starts skip compiling the bundle. Read-only at run time.
ENV NODE_COMPILE_CACHE=/function/.node-compile-cache
RUN node entry.js --warm-compile-cache
USER 1000
ENTRYPOINT ["node", "entry.js"]
