//! A built image + config → a started system container under sysbox-runc, ready over ssh, lifecycle hooks run.
