# recipe.mk: the make logic shared by every recipe. A recipe's Makefile sets its own variables
# (PROFILES, KIWI_REPO_ARGS, STAGE_NODE) and includes this file; nothing here knows a distribution.
#
# Layout: the source description stays untouched; `stage` copies it, the overlay-root/ tree and the built
# application into $(BUILD_DIR)/description, and KIWI builds from that copy.

RECIPE_DIR := $(patsubst %/,%,$(dir $(abspath $(firstword $(MAKEFILE_LIST)))))
RECIPE     := $(notdir $(RECIPE_DIR))
KIWI_DIR   := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
REPO_DIR   := $(abspath $(KIWI_DIR)/..)
LIB        := $(KIWI_DIR)/lib

BUILD_DIR  ?= $(KIWI_DIR)/builds/$(RECIPE)
STAGE      := $(BUILD_DIR)/description
# where the master's HTTP serves /install/recon/ (config: http.roots["/install"] + boot.imageDir)
HTTP_DIR   ?= /export/install/recon
KIWI       ?= kiwi-ng
# yes: copy this host's node binary into /opt/recon/bin (for distributions without Node.js 20 packages)
STAGE_NODE ?= no
NODE_BINARY ?= $(shell command -v node)
# set SKIP_APP_BUILD=1 to stage an already built dist/ as it is
SKIP_APP_BUILD ?=

TARGETS := all target http clean virtual disk validate

export KIWI BUILD_DIR STAGE HTTP_DIR STAGE_NODE NODE_BINARY SKIP_APP_BUILD REPO_DIR RECIPE_DIR KIWI_DIR
export KIWI_REPO_ARGS

.PHONY: $(TARGETS) targets stage

all:
	@echo "Possible targets are:"
	@echo "'target' for a dracut live ISO that can also be used with USB storage"
	@echo "'http' place target ISO, kernel and initrd in server http dir on host ($(HTTP_DIR))"
	@echo "'clean' to remove build artifacts from related dirs"
	@echo "'virtual' for a raw disk image."
	@echo "'disk' for an image to boot and install to a menu selected target disk"
	@echo "'validate' to check the description offline against the KIWI schema (profiles: $(PROFILES))"
	@echo "Build the ISO using"
	@echo "./make-recipe-target $(RECIPE) target"
	@echo "and this will drop the artifacts in"
	@echo "./builds/$(RECIPE)"

targets:
	@printf '%s\n' $(TARGETS)

validate:
	@for p in $(PROFILES); do \
	  "$(LIB)/kiwi-validate" "$(RECIPE_DIR)" "$$p" || exit 1; \
	done

stage:
	"$(LIB)/stage-description"

target: stage
	"$(LIB)/kiwi-build" DracutLive

virtual: stage
	"$(LIB)/kiwi-build" Virtual

disk: stage
	"$(LIB)/kiwi-build" Disk

http:
	"$(LIB)/place-http"

clean:
	rm -rf --one-file-system "$(BUILD_DIR)"
