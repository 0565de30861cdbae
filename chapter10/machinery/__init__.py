"""Chapter 10's machinery: podman with this chapter's settings, and the
one-command demo's image build."""
