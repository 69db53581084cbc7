//! [`SessionStorage`] and [`SessionStore`] for `Arc`, so that one storage or store can serve
//! several owners: an `Arc<dyn SessionStorage>` kept in application state also goes to
//! [`SessionLayer::from_storage`](crate::axum::SessionLayer::from_storage), and one store can
//! back several [`ServerSessionStorage`](crate::ServerSessionStorage)s.
//!
//! Every method forwards, the provided ones included, so that a storage or store that
//! overrides them keeps its own behaviour behind the `Arc`.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use http::HeaderMap;
use serde_json::{Map, Value};

use super::session_storage::{SessionStorage, StorageError};
use super::store::{SessionStore, StoreError};
use crate::cookie::{Cookie, CookieOptions, ParsedCookie};
use crate::session::Session;

#[async_trait]
impl<T: SessionStorage + ?Sized> SessionStorage for Arc<T> {
    fn cookie(&self) -> &Cookie {
        (**self).cookie()
    }

    async fn load_session(&self, parsed: Option<ParsedCookie>) -> Result<Session, StorageError> {
        (**self).load_session(parsed).await
    }

    async fn commit_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        (**self).commit_session(session, overrides).await
    }

    async fn destroy_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        (**self).destroy_session(session, overrides).await
    }

    async fn rotate_id(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<String, StorageError> {
        (**self).rotate_id(session, overrides).await
    }

    async fn try_rotate_id(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<Option<String>, StorageError> {
        (**self).try_rotate_id(session, overrides).await
    }

    async fn touch_session(
        &self,
        session: &mut Session,
        overrides: &CookieOptions,
    ) -> Result<Option<String>, StorageError> {
        (**self).touch_session(session, overrides).await
    }

    async fn get_session(&self, cookie_header: Option<&str>) -> Result<Session, StorageError> {
        (**self).get_session(cookie_header).await
    }

    async fn get_session_from_headers(&self, headers: &HeaderMap) -> Result<Session, StorageError> {
        (**self).get_session_from_headers(headers).await
    }
}

#[async_trait]
impl<T: SessionStore + ?Sized> SessionStore for Arc<T> {
    async fn create(
        &self,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<String, StoreError> {
        (**self).create(data, expires).await
    }

    async fn read(&self, id: &str) -> Result<Option<Map<String, Value>>, StoreError> {
        (**self).read(id).await
    }

    async fn update(
        &self,
        id: &str,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<bool, StoreError> {
        (**self).update(id, data, expires).await
    }

    async fn touch(&self, id: &str, expires: Option<SystemTime>) -> Result<bool, StoreError> {
        (**self).touch(id, expires).await
    }

    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        (**self).delete(id).await
    }
}
