/*
 * p11autologin: a PKCS#11 pass-through module that logs in to the token with a PIN read from a file.
 *
 * Why: headless Chromium asks NSS for the token PIN through a dialog it never shows, so a page that needs the
 * A3 key hangs forever. This module sits between NSS and the real PKCS#11 module and performs the user login
 * itself, right after C_OpenSession, so NSS only ever sees logged-in sessions and never asks. Test use only
 * (tests/e2e/browser); the recipe it follows is shared/recipes/token-browser-e2e.md.
 *
 * Environment (read by the process that loads the module, i.e. the BROWSER process):
 *   P11_AUTOLOGIN_MODULE       the real module (default /usr/lib/softhsm/libsofthsm2.so)
 *   P11_AUTOLOGIN_PIN_FILE     file holding the user PIN (one trailing newline is ignored); must not be
 *                              readable by group or others
 *   P11_AUTOLOGIN_TOKEN_LABEL  optional: only log in to the token with this label
 *
 * Rules: a failed login is never retried in this process (a wrong PIN must not burn a real token's retry
 * counter); C_Logout is a no-op so the login survives NSS's logouts. Everything else is the real module's.
 *
 * Build: gcc -shared -fPIC -O2 -Wall -I/usr/include/p11-kit-1/p11-kit -o p11autologin.so p11autologin.c -ldl
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkcs11.h"

#define DEFAULT_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define MAX_PIN 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *real_library;
static CK_FUNCTION_LIST_PTR real;
static CK_FUNCTION_LIST shim;
static int login_failed;

static void say(const char *message, unsigned long value)
{
    fprintf(stderr, "p11autologin: %s (0x%lx)\n", message, value);
}

/* The PIN from P11_AUTOLOGIN_PIN_FILE into pin[MAX_PIN]; its length, or -1. */
static long read_pin(CK_UTF8CHAR *pin)
{
    const char *path = getenv("P11_AUTOLOGIN_PIN_FILE");
    struct stat st;
    FILE *file;
    size_t length;

    if (path == NULL || *path == '\0') {
        say("P11_AUTOLOGIN_PIN_FILE is not set: not logging in", 0);
        return -1;
    }
    if (stat(path, &st) != 0 || (st.st_mode & 077) != 0) {
        say("the PIN file is missing or readable by group/others (chmod 600): not logging in", 0);
        return -1;
    }
    file = fopen(path, "rb");
    if (file == NULL) {
        say("cannot open the PIN file: not logging in", 0);
        return -1;
    }
    length = fread(pin, 1, MAX_PIN, file);
    fclose(file);
    if (length == MAX_PIN) {
        say("the PIN file is too long: not logging in", 0);
        return -1;
    }
    if (length > 0 && pin[length - 1] == '\n')
        length--;
    if (length > 0 && pin[length - 1] == '\r')
        length--;
    return (long)length;
}

/* Whether the token label (32 bytes, blank padded) is the one in P11_AUTOLOGIN_TOKEN_LABEL, if that is set. */
static int wanted_token(const CK_TOKEN_INFO *info)
{
    const char *wanted = getenv("P11_AUTOLOGIN_TOKEN_LABEL");
    size_t length, i;

    if (wanted == NULL || *wanted == '\0')
        return 1;
    length = strlen(wanted);
    if (length > sizeof(info->label) || memcmp(info->label, wanted, length) != 0)
        return 0;
    for (i = length; i < sizeof(info->label); i++)
        if (info->label[i] != ' ')
            return 0;
    return 1;
}

static void autologin(CK_SLOT_ID slot, CK_SESSION_HANDLE session)
{
    CK_SESSION_INFO session_info;
    CK_TOKEN_INFO token_info;
    CK_UTF8CHAR pin[MAX_PIN];
    long length;
    CK_RV rv;

    pthread_mutex_lock(&lock);
    if (login_failed)
        goto done;
    if (real->C_GetSessionInfo(session, &session_info) != CKR_OK)
        goto done;
    if (session_info.state != CKS_RO_PUBLIC_SESSION && session_info.state != CKS_RW_PUBLIC_SESSION)
        goto done; /* already logged in (the login is per application and token) */
    if (real->C_GetTokenInfo(slot, &token_info) != CKR_OK || !(token_info.flags & CKF_LOGIN_REQUIRED))
        goto done;
    if (!wanted_token(&token_info))
        goto done;
    length = read_pin(pin);
    if (length < 0) {
        login_failed = 1;
        goto done;
    }
    rv = real->C_Login(session, CKU_USER, pin, (CK_ULONG)length);
    memset(pin, 0, sizeof(pin));
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        login_failed = 1; /* never again in this process: a wrong PIN must not lock the token */
        say("C_Login failed; not retrying in this process", rv);
    }
done:
    pthread_mutex_unlock(&lock);
}

static CK_RV shim_C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR application, CK_NOTIFY notify,
                                CK_SESSION_HANDLE_PTR session)
{
    CK_RV rv = real->C_OpenSession(slot, flags, application, notify, session);
    if (rv == CKR_OK && session != NULL)
        autologin(slot, *session);
    return rv;
}

static CK_RV shim_C_Logout(CK_SESSION_HANDLE session)
{
    (void)session;
    return CKR_OK; /* keep the login: NSS logs out on its own schedule and would then ask for the PIN */
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    CK_RV (*get_function_list)(CK_FUNCTION_LIST_PTR_PTR);
    const char *path;
    CK_RV rv = CKR_OK;

    if (list == NULL)
        return CKR_ARGUMENTS_BAD;
    pthread_mutex_lock(&lock);
    if (real == NULL) {
        path = getenv("P11_AUTOLOGIN_MODULE");
        if (path == NULL || *path == '\0')
            path = DEFAULT_MODULE;
        real_library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (real_library == NULL) {
            fprintf(stderr, "p11autologin: cannot load %s: %s\n", path, dlerror());
            rv = CKR_GENERAL_ERROR;
            goto done;
        }
        get_function_list = (CK_RV(*)(CK_FUNCTION_LIST_PTR_PTR))dlsym(real_library, "C_GetFunctionList");
        if (get_function_list == NULL || (rv = get_function_list(&real)) != CKR_OK || real == NULL) {
            fprintf(stderr, "p11autologin: %s has no usable C_GetFunctionList\n", path);
            real = NULL;
            rv = rv == CKR_OK ? CKR_GENERAL_ERROR : rv;
            goto done;
        }
        shim = *real;
        shim.C_OpenSession = shim_C_OpenSession;
        shim.C_Logout = shim_C_Logout;
    }
    *list = &shim;
done:
    pthread_mutex_unlock(&lock);
    return rv;
}
