/* version.h - the bridge's version, one definition for `version`, metrics and logs. */
#ifndef KFB_VERSION_H
#define KFB_VERSION_H

#define KFB_VERSION "0.2.0-dev"

#endif
